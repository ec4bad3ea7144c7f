"""The names blue/green deployment runs on: each function's deployed name, the `live` alias
every trigger invokes, the CodeDeploy application and each function's deployment group.

Shared by the infrastructure program, which declares them, and `tools/shift_traffic.py`,
which deploys through them: `exec-assistant-dev-calendar-monitor` is the function, its
alias `live` and its deployment group, in the application `exec-assistant-dev-functions`.
"""

from __future__ import annotations

from exec_assistant.lambda_functions import NAME_PREFIX, LambdaFunction
from exec_assistant.stack_settings import StackSettings

LIVE_ALIAS = "live"
"""The alias every trigger, the state machine and the reminders invoke: blue/green shifts it."""
APPLICATION_SUFFIX = "functions"


def deployed_function_name(settings: StackSettings, function: LambdaFunction) -> str:
    """The specification's name (`exec-assistant-calendar-monitor`) with the stack's prefix
    (`exec-assistant-dev-calendar-monitor`)."""
    return settings.resource_name(function.name.removeprefix(NAME_PREFIX))


def codedeploy_application_name(settings: StackSettings) -> str:
    return settings.resource_name(APPLICATION_SUFFIX)


def deployment_group_name(settings: StackSettings, function: LambdaFunction) -> str:
    """One group per function, named as the function: CodeDeploy runs one deployment at a
    time per group, so separate groups let every function shift at once."""
    return deployed_function_name(settings, function)
