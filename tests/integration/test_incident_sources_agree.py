"""The same incidents through incidents.csv, PagerDuty or Opsgenie give the same facts (one set
of rules), and both APIs at once count together, a failing one named beside the other's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.clocks import FixedClock
from exec_assistant.context.files import IncidentsContextProvider
from exec_assistant.context.incident_sources import PagerDutyAndOpsgenieSource
from exec_assistant.context.opsgenie import OpsgenieSource
from exec_assistant.context.pagerduty import PagerDutySource
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.services.context import gather_one

from incident_fixtures import (
    NOW,
    OPSGENIE_SAMPLE_CSV,
    PAGERDUTY_SAMPLE_CSV,
    opsgenie_sample,
    pagerduty_sample,
    request,
    secrets,
)
from opsgenie_api import OpsgenieApi, og_incident
from pagerduty_api import PagerDutyApi, pd_incident
from scripted_answers import Fault


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyApi]:
    with PagerDutyApi() as api:
        yield api


@pytest.fixture
def opsgenie() -> Iterator[OpsgenieApi]:
    with OpsgenieApi() as api:
        yield api


def deps(
    folder: Path, pagerduty: PagerDutyApi | None, opsgenie: OpsgenieApi | None, **more: str
) -> ContextSourceDeps:
    return ContextSourceDeps(
        files=folder,
        secrets=secrets(pagerduty=pagerduty, opsgenie=opsgenie, **more),
        clock=FixedClock(NOW),
    )


def told(result: ContextResult) -> dict[str, Any]:
    """What a pack gets from a result, the rows in a fixed order."""
    data = dict(result.data)
    data["incidents"] = sorted(data["incidents"], key=lambda row: row["id"])
    return {
        "facts": result.facts,
        "highlights": result.highlights,
        "questions": result.questions,
        "data": data,
    }


def test_pagerduty_and_its_export_tell_the_same_story(
    tmp_path: Path, pagerduty: PagerDutyApi
) -> None:
    pagerduty_sample(pagerduty)
    (tmp_path / "incidents.csv").write_text(PAGERDUTY_SAMPLE_CSV)
    api = PagerDutySource(base_url=pagerduty.url).build(deps(tmp_path, pagerduty, None))
    export = IncidentsContextProvider(tmp_path)

    for asked in (
        request(),
        request(lookback_days=5),
        request(scope="people", people=("bo@example.com",)),
    ):
        assert told(api.gather(asked)) == told(export.gather(asked))


def test_opsgenie_and_its_export_tell_the_same_story(tmp_path: Path, opsgenie: OpsgenieApi) -> None:
    opsgenie_sample(opsgenie)
    (tmp_path / "incidents.csv").write_text(OPSGENIE_SAMPLE_CSV)
    api = OpsgenieSource(base_url=opsgenie.url).build(deps(tmp_path, None, opsgenie))
    export = IncidentsContextProvider(tmp_path)

    for asked in (request(), request(scope="people", people=("ana@example.com",))):
        assert told(api.gather(asked)) == told(export.gather(asked))


def both(tmp_path: Path, pagerduty: PagerDutyApi, opsgenie: OpsgenieApi, **more: Any) -> Any:
    source = PagerDutyAndOpsgenieSource.model_validate(
        {
            "timeout_seconds": more.pop("timeout", 5),
            "pagerduty": {"base_url": pagerduty.url},
            "opsgenie": {"base_url": opsgenie.url},
        }
    )
    return source.build(deps(tmp_path, pagerduty, opsgenie, **more))


def one_each(pagerduty: PagerDutyApi, opsgenie: OpsgenieApi) -> None:
    pagerduty.add(pd_incident(12, "Payments", created_at=NOW - timedelta(days=1), priority="P1"))
    opsgenie.add(og_incident(12, "Search", created_at=NOW - timedelta(days=2), priority="P2"))


def test_both_systems_count_together(
    tmp_path: Path, pagerduty: PagerDutyApi, opsgenie: OpsgenieApi
) -> None:
    one_each(pagerduty, opsgenie)

    result = both(tmp_path, pagerduty, opsgenie).gather(request())

    assert result.facts[:2] == (
        "2 incidents in the last 30 days: 1 SEV1, 1 SEV2",
        "2 still open: PD-12 (SEV1, triggered, started 29 Nov), OG-12 (SEV2, open, started 28 Nov)",
    )


def test_one_system_failing_leaves_the_others_facts_and_names_it(
    tmp_path: Path, pagerduty: PagerDutyApi, opsgenie: OpsgenieApi
) -> None:
    one_each(pagerduty, opsgenie)

    result = both(tmp_path, pagerduty, opsgenie, OPSGENIE_API_KEY="wrong-key").gather(request())

    assert result.facts[0] == "1 incident in the last 30 days: 1 SEV1"
    assert result.facts[-1] == (
        "Incidents from Opsgenie are missing, the figures are PagerDuty's alone: "
        "Opsgenie refused the API key (Could not authenticate)"
    )


def test_a_hanging_system_does_not_hold_up_the_other(
    tmp_path: Path, pagerduty: PagerDutyApi, opsgenie: OpsgenieApi
) -> None:
    one_each(pagerduty, opsgenie)
    pagerduty.faults.add(Fault.stall(), times=5)
    started = time.monotonic()

    result = gather_one(both(tmp_path, pagerduty, opsgenie, timeout=1), request(), 1)

    assert time.monotonic() - started < 1
    assert result.facts[0] == "1 incident in the last 30 days: 1 SEV2"
    assert result.facts[-1].startswith(
        "Incidents from PagerDuty are missing, the figures are Opsgenie's alone: "
        "PagerDuty: no complete answer within"
    )


def test_both_failing_is_unavailable_with_both_reasons(
    tmp_path: Path, pagerduty: PagerDutyApi, opsgenie: OpsgenieApi
) -> None:
    provider = both(tmp_path, pagerduty, opsgenie, PAGERDUTY_API_TOKEN="x", OPSGENIE_API_KEY="y")

    with pytest.raises(ContextSourceUnavailable) as caught:
        provider.gather(request())

    assert caught.value.reason == (
        "PagerDuty refused the API token (Authentication failed); "
        "Opsgenie refused the API key (Could not authenticate)"
    )
