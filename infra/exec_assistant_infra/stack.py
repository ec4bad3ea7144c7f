"""What every component knows about the stack it is part of: its settings, account, region,
and the names and ARNs fixed in advance (so that a function can name the state machine that
names it, without a cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# LIVE_ALIAS re-exported: the other components import it from here.
from exec_assistant.blue_green_names import LIVE_ALIAS as LIVE_ALIAS
from exec_assistant.blue_green_names import deployed_function_name
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.stack_settings import StackSettings

INFRA_DIR = Path(__file__).resolve().parent.parent
STATE_MACHINE_SUFFIX = "meeting-prep"
TRAIL_SUFFIX = "audit"


@dataclass(frozen=True)
class StackContext:
    settings: StackSettings
    account_id: str
    partition: str = "aws"

    @property
    def region(self) -> str:
        return self.settings.region

    def name(self, suffix: str) -> str:
        return self.settings.resource_name(suffix)

    def global_name(self, suffix: str) -> str:
        """The name of a resource whose names are the account's, not the region's (an IAM
        role, a CloudFront policy): with the region, so that the DR stack's do not clash with
        production's."""
        return self.name(f"{suffix}-{self.region}")

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    def function_name(self, key: str) -> str:
        """The function's name: the specification's (`exec-assistant-calendar-monitor`), with
        the stack's prefix."""
        return deployed_function_name(self.settings, BY_KEY[key])

    def function_arn(self, key: str, *, alias: str | None = LIVE_ALIAS) -> str:
        arn = self.arn("lambda", f"function:{self.function_name(key)}")
        return f"{arn}:{alias}" if alias else arn

    @property
    def state_machine_name(self) -> str:
        return self.name(STATE_MACHINE_SUFFIX)

    @property
    def state_machine_arn(self) -> str:
        return self.arn("states", f"stateMachine:{self.state_machine_name}")

    @property
    def trail_name(self) -> str:
        # Production's multi-region trail already has its name in every region, the DR
        # region's included: the DR stack's own trail needs another.
        if self.settings.environment == "dr":
            return self.name(f"{TRAIL_SUFFIX}-{self.region}")
        return self.name(TRAIL_SUFFIX)

    @property
    def trail_arn(self) -> str:
        return self.arn("cloudtrail", f"trail/{self.trail_name}")

    @property
    def artifacts_dir(self) -> Path:
        path = Path(self.settings.artifacts_dir)
        return path if path.is_absolute() else (INFRA_DIR / path).resolve()

    def tags(self, **extra: str) -> dict[str, str]:
        return {"Service": "exec-assistant", "Environment": self.settings.environment, **extra}
