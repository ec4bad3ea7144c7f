"""Each Lambda function's environment: the deployment's resources (`DeploymentSettings`) and
the product's settings (`Settings`, EXEC_ASSISTANT_*), only those the function reads.

Every function builds the same app over the tables, the documents bucket and its key, so
every function is given those. The rest follows its grants: the Slack secret to those that
talk to Slack, the state machine to those that start, stop or inspect executions or complete
a wait, the Scheduler's group and role to those that schedule or cancel reminders, the model
to the two that run agents, the calendar's settings and secret to the two that read or store
its authorization, the integrations secret to those that read the systems of record, the
web secret and the public address to the web page's function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from exec_assistant.deployment_settings import DeploymentSettings
from exec_assistant.settings import ENV_PREFIX
from exec_assistant_infra.access import FunctionGrants

SCHEDULE_GROUP_SUFFIX = str(DeploymentSettings.model_fields["schedule_group"].default).removeprefix(
    "exec-assistant-"
)
"""The reminders' schedule group: DeploymentSettings' default, with the stack's prefix."""
SCHEDULER_ROLE_SUFFIX = "scheduler"


@dataclass(frozen=True)
class EnvironmentValues:
    tables: Mapping[str, pulumi.Input[str]]
    """Table names by environment variable (MEETINGS_TABLE, …)."""
    documents_bucket: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    slack_secret_arn: pulumi.Input[str]
    calendar_secret_arn: pulumi.Input[str]
    integrations_secret_arn: pulumi.Input[str]
    state_machine_arn: str
    event_bus_name: str
    schedule_group: str
    reminder_function_arn: str
    scheduler_role_arn: str
    pack_model_id: str
    summary_model_id: str
    timezone: str
    executive_email: str | None = None
    slack_user_id: str | None = None
    calendars: pulumi.Input[str] | None = None
    """The iCalendar feeds (a secret), for the calendar monitor."""
    calendar_api_type: str = "ics"
    calendar_api_endpoint: str | None = None
    web_url: pulumi.Input[str] | None = None
    """The deployment's public address, for the calendar consent's callback and the web
    page (its forms' Origin, sign in with Slack's callback)."""
    web_secret_arn: pulumi.Input[str] | None = None
    """The web page's secret (its session key)."""
    slack_team_id: str | None = None
    web_delegates: tuple[str, ...] = ()
    web_delegates_see_private: bool = False
    calendars_configured: bool = False
    """Whether the stack names any calendar (feeds or an account), for the web page's empty
    fortnight."""


def function_environment(
    key: str, grants: FunctionGrants, values: EnvironmentValues
) -> dict[str, pulumi.Input[str]]:
    """The environment variables of the function `key`."""
    env: dict[str, pulumi.Input[str]] = dict(values.tables)
    env["DOCUMENTS_S3_BUCKET"] = values.documents_bucket
    env["KMS_KEY_ID"] = values.key_arn
    env[f"{ENV_PREFIX}TIMEZONE"] = values.timezone
    if values.executive_email:
        env[f"{ENV_PREFIX}USER_EMAIL"] = values.executive_email
    if key == "calendar_monitor":
        if values.calendars is not None:
            env[f"{ENV_PREFIX}CALENDARS"] = values.calendars
        env["CALENDAR_API_TYPE"] = values.calendar_api_type
        if values.calendar_api_endpoint:
            env["CALENDAR_API_ENDPOINT"] = values.calendar_api_endpoint
    if "calendar" in grants.writes_secrets:
        env["CALENDAR_OAUTH_SECRET_ARN"] = values.calendar_secret_arn
    if "integrations" in grants.secrets:
        env["INTEGRATIONS_SECRET_ARN"] = values.integrations_secret_arn
    if key in ("calendar_oauth", "web") and values.web_url is not None:
        env["WEB_URL"] = values.web_url
    if "web" in grants.secrets and values.web_secret_arn is not None:
        env["WEB_SECRET_ARN"] = values.web_secret_arn
    if key == "web":
        env["CALENDARS_CONFIGURED"] = "true" if values.calendars_configured else "false"
        # Who may sign in besides the executive, and what they see.
        if values.web_delegates:
            env[f"{ENV_PREFIX}WEB_DELEGATES"] = ",".join(values.web_delegates)
        env[f"{ENV_PREFIX}WEB_DELEGATES_SEE_PRIVATE"] = (
            "true" if values.web_delegates_see_private else "false"
        )
        if values.slack_team_id:
            env[f"{ENV_PREFIX}SLACK_TEAM_ID"] = values.slack_team_id
    if "slack" in grants.secrets:
        env["SLACK_BOT_TOKEN_ARN"] = values.slack_secret_arn
        if values.slack_user_id:
            env[f"{ENV_PREFIX}SLACK_USER_ID"] = values.slack_user_id
    if key == "slack_webhook":  # the one function that verifies Slack's signatures
        env["SLACK_SIGNING_SECRET_ARN"] = values.slack_secret_arn
    if grants.uses_state_machine:
        env["STATE_MACHINE_ARN"] = values.state_machine_arn
        env["EVENT_BUS_NAME"] = values.event_bus_name
    if grants.uses_scheduler:
        env["SCHEDULE_GROUP"] = values.schedule_group
        env["REMINDER_FUNCTION_ARN"] = values.reminder_function_arn
        env["SCHEDULER_ROLE_ARN"] = values.scheduler_role_arn
    if grants.models:
        env[f"{ENV_PREFIX}MODEL_PROVIDER"] = "bedrock"
        env["BEDROCK_MODEL_ID"] = values.pack_model_id
        if values.summary_model_id != values.pack_model_id:
            env[f"{ENV_PREFIX}SUMMARY_MODEL_ID"] = values.summary_model_id
    return env
