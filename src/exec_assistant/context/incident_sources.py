"""`incidents` from PagerDuty and Opsgenie at once, for an organisation running both (moving
from one to the other, or one per region):

    incidents:
      source: pagerduty+opsgenie
      timeout_seconds: 20          # for both: they are read side by side
      pagerduty:                   # the settings of `source: pagerduty`
        service_ids: [PABC123]
      opsgenie:                    # the settings of `source: opsgenie`
        region: eu

Both are read at once and their incidents counted together (PD-1234 and OG-42 never
collide). When one fails, the facts are the other's and say which one is missing and why; the
source is unavailable only when both fail.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from exec_assistant.context.incident_api import IncidentReader
from exec_assistant.context.incident_provider import IncidentApiSource
from exec_assistant.context.opsgenie import OpsgenieSource
from exec_assistant.context.pagerduty import PagerDutySource
from exec_assistant.ports import SecretStore

_SHARED = ("source", "timeout_seconds")


class PagerDutyAndOpsgenieSource(IncidentApiSource):
    source: Literal["pagerduty+opsgenie"] = "pagerduty+opsgenie"
    pagerduty: PagerDutySource = Field(default_factory=PagerDutySource)
    opsgenie: OpsgenieSource = Field(default_factory=OpsgenieSource)

    @field_validator("pagerduty", "opsgenie", mode="before")
    @classmethod
    def _one_time_limit(cls, value: Any) -> Any:
        """`source` and `timeout_seconds` belong to the section, not to either system."""
        if isinstance(value, dict):
            given = [key for key in _SHARED if key in value]
            if given:
                raise ValueError(f"{given[0]} belongs to the incidents section itself")
        return value

    def readers(self, secrets: SecretStore) -> list[IncidentReader]:
        return [self.pagerduty.reader(secrets), self.opsgenie.reader(secrets)]
