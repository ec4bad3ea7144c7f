"""The Lambda functions as the deployment declares them: what an auditor of the account
checks, function by function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exec_assistant.deployment_settings import DeploymentSettings
from exec_assistant.lambda_functions import BY_KEY, FUNCTIONS
from exec_assistant.settings import ENV_PREFIX, Settings
from exec_assistant.workflows.spec import MEETING_PREP
from exec_assistant_infra.access import GRANTS, WILDCARD_ONLY_ACTIONS
from exec_assistant_infra.compute import MissingArtifact
from exec_assistant_infra.orchestration import LOG_DELIVERY_ACTIONS, SAMPLING_ACTIONS
from infra.compute_stack import compute, declared, function, function_policy, policy
from infra.compute_stand_ins import run_under_mocks, settings_with_artifacts

from pulumi_program import Deployment, package_artifacts

ASYNCHRONOUS = {"calendar_monitor", "prep_trigger", "reminder", "post_meeting", "slack_webhook"}
ROLES_TYPE = "aws:iam/rolePolicy:RolePolicy"


def product_variables() -> set[str]:
    """Every variable a function can read: DeploymentSettings' names, the product's
    EXEC_ASSISTANT_* settings and their spec aliases (BEDROCK_MODEL_ID)."""
    names = {name.upper() for name in DeploymentSettings.model_fields}
    names |= {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    for field in Settings.model_fields.values():
        choices = getattr(field.validation_alias, "choices", ())
        names |= {str(choice) for choice in choices if str(choice).isupper()}
    return names


def test_every_function_is_declared_as_its_entry_says(artifacts: Path) -> None:
    deployment = declared(artifacts)
    for entry in FUNCTIONS:
        declared_function = function(deployment, entry.key)
        assert declared_function["name"] == entry.name  # the production prefix is the spec's
        assert declared_function["handler"] == entry.handler
        assert declared_function["runtime"] == "python3.11"
        assert declared_function["architectures"] == ["arm64"]
        assert declared_function["memorySize"] == entry.memory_mb
        assert declared_function["timeout"] == entry.timeout_seconds
        assert declared_function.get("reservedConcurrentExecutions") == entry.reserved_concurrency
        assert declared_function["ephemeralStorage"] == {"size": entry.ephemeral_storage_mb}
        assert declared_function["tracingConfig"] == {"mode": "Active"}
        assert declared_function["publish"] is True
        (layer,) = declared_function["layers"]
        assert "deps" in layer


def test_functions_run_in_the_private_subnets_only_when_the_stack_has_a_vpc(
    artifacts: Path,
) -> None:
    in_vpc = function(declared(artifacts), "slack_webhook")["vpcConfig"]
    assert in_vpc == {
        "subnetIds": ["private-1-id", "private-2-id"],
        "securityGroupIds": ["lambda-sg-id"],
    }
    assert function(declared(artifacts, vpc=False), "slack_webhook").get("vpcConfig") is None


def test_each_function_logs_to_its_own_encrypted_group_with_the_stacks_retention(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts, logRetentionDays=14)
    for entry in FUNCTIONS:
        group = deployment.one(
            "aws:cloudwatch/logGroup:LogGroup", f"{entry.key.replace('_', '-')}-logs"
        )
        assert group["name"] == f"/aws/lambda/{entry.name}"
        assert group["retentionInDays"] == 14
        assert group["kmsKeyId"].startswith("arn:aws:kms:")
        assert function(deployment, entry.key)["loggingConfig"]["logGroup"] == group["name"]


def test_only_the_asynchronously_invoked_functions_have_the_dead_letter_queue(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts)
    queue = deployment.one("aws:sqs/queue:Queue")
    assert queue["messageRetentionSeconds"] == 14 * 24 * 3600
    assert queue["kmsMasterKeyId"].startswith("arn:aws:kms:")
    with_queue = {
        entry.key for entry in FUNCTIONS if function(deployment, entry.key).get("deadLetterConfig")
    }
    assert with_queue == ASYNCHRONOUS
    for key in ASYNCHRONOUS:
        assert function(deployment, key)["deadLetterConfig"]["targetArn"] == queue.outputs["arn"]


def test_every_variable_set_is_one_the_functions_read(artifacts: Path) -> None:
    known = product_variables()
    deployment = declared(artifacts, executiveEmail="exec@example.com", slackUserId="U0EXEC1")
    for entry in FUNCTIONS:
        variables = set(function(deployment, entry.key)["environment"]["variables"])
        assert variables <= known, (entry.key, sorted(variables - known))
        assert {"DOCUMENTS_S3_BUCKET", "MEETINGS_TABLE", "IDEMPOTENCY_TABLE"} <= variables


def test_the_environment_parses_as_the_functions_read_it(artifacts: Path) -> None:
    deployment = declared(artifacts, executiveEmail="exec@example.com", slackUserId="U0EXEC1")
    for entry in FUNCTIONS:
        variables = function(deployment, entry.key)["environment"]["variables"]
        settings = DeploymentSettings(
            **{
                k.lower(): v
                for k, v in variables.items()
                if k.lower() in DeploymentSettings.model_fields
            }
        )
        assert settings.meetings_table == "exec-assistant-meetings"
        assert settings.reminders_configured == (
            entry.key in {"calendar_monitor", "slack_webhook", "schedule_reminder", "web"}
        )


def test_only_functions_that_drive_executions_are_given_the_state_machine(artifacts: Path) -> None:
    deployment = declared(artifacts)
    given = {
        e.key
        for e in FUNCTIONS
        if "STATE_MACHINE_ARN" in function(deployment, e.key)["environment"]["variables"]
    }
    assert given == {
        "calendar_monitor",
        "prep_trigger",
        "slack_webhook",
        "chat_session_manager",
        "web",
    }
    # chat_session_manager answers a state and also completes the wait when the answers are
    # in already: it sends the task token, and starts or stops nothing.
    assert GRANTS["chat_session_manager"].executions == ()
    assert {
        s for e in FUNCTIONS if e.key in given and e.key != "chat_session_manager" for s in e.states
    } == set()


def test_the_models_go_to_the_agent_functions_only_the_context_model_as_the_summary_one(
    artifacts: Path,
) -> None:
    deployment = declared(
        artifacts, modelId="anthropic.pack-v1:0", contextModelId="us.anthropic.small-v1:0"
    )
    prep = function(deployment, "meeting_prep_agent")["environment"]["variables"]
    assert prep["EXEC_ASSISTANT_MODEL_PROVIDER"] == "bedrock"
    assert prep["BEDROCK_MODEL_ID"] == "anthropic.pack-v1:0"
    assert prep["EXEC_ASSISTANT_SUMMARY_MODEL_ID"] == "us.anthropic.small-v1:0"
    (models,) = [
        s for s in function_policy(deployment, "meeting_prep_agent") if s.get("Sid") == "Models"
    ]
    assert models["Resource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.pack-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.small-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.small-v1:0",
    ]
    (notes,) = [s for s in function_policy(deployment, "post_meeting") if s.get("Sid") == "Models"]
    assert (
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.pack-v1:0" not in notes["Resource"]
    )
    for entry in FUNCTIONS:
        if entry.key not in ("meeting_prep_agent", "post_meeting"):
            variables = function(deployment, entry.key)["environment"]["variables"]
            assert "BEDROCK_MODEL_ID" not in variables, entry.key


def test_no_statement_has_a_wildcard_action_or_a_wildcard_resource_aws_does_not_require(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts)
    for resource in deployment.of_type(ROLES_TYPE):
        for statement in policy(resource):
            assert all("*" not in action for action in statement["Action"]), statement
            if "*" in statement["Resource"]:
                allowed = {*WILDCARD_ONLY_ACTIONS, *LOG_DELIVERY_ACTIONS, *SAMPLING_ACTIONS}
                assert set(statement["Action"]) <= allowed, statement


def test_the_vpc_permissions_are_scoped_to_the_private_subnets_and_the_vpc(artifacts: Path) -> None:
    deployment = declared(artifacts)
    statements = function_policy(deployment, "reminder")
    (create,) = [s for s in statements if "ec2:CreateNetworkInterface" in s["Action"]]
    assert set(create["Resource"]) == {
        "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
        "arn:aws:ec2:us-east-1:123456789012:subnet/private-1-id",
        "arn:aws:ec2:us-east-1:123456789012:subnet/private-2-id",
        deployment.one("aws:ec2/securityGroup:SecurityGroup").outputs["arn"],
    }
    (manage,) = [s for s in statements if "ec2:DeleteNetworkInterface" in s["Action"]]
    assert list(manage["Condition"]["ArnEquals"]) == ["ec2:Vpc"]
    no_vpc = function_policy(declared(artifacts, vpc=False), "reminder")
    assert not [s for s in no_vpc if any(a.startswith("ec2:") for a in s["Action"])]


def test_the_webhook_may_invoke_its_own_live_alias_and_no_other_function(artifacts: Path) -> None:
    deployment = declared(artifacts)
    for entry in FUNCTIONS:
        invokes = [
            s
            for s in function_policy(deployment, entry.key)
            if "lambda:InvokeFunction" in s["Action"]
        ]
        if entry.key == "slack_webhook":
            (statement,) = invokes
            assert statement["Resource"] == [
                f"arn:aws:lambda:us-east-1:123456789012:function:{entry.name}:live"
            ]
        else:
            assert invokes == [], entry.key


def test_every_function_has_a_live_alias_on_its_published_version(artifacts: Path) -> None:
    deployment = declared(artifacts)
    for entry in FUNCTIONS:
        alias = deployment.one("aws:lambda/alias:Alias", f"{entry.key.replace('_', '-')}-live")
        assert alias["name"] == "live"
        assert alias["functionName"] == entry.name
        assert alias["functionVersion"] == "1"


@pytest.mark.parametrize(
    "archive", ["functions/exec-assistant-reminder.zip", "layer/exec-assistant-deps.zip"]
)
def test_a_missing_archive_fails_the_preview_naming_it_and_make_package(
    tmp_path: Path, archive: str
) -> None:
    package_artifacts(tmp_path)
    (tmp_path / archive).unlink()
    settings = settings_with_artifacts(tmp_path)
    with pytest.raises(MissingArtifact) as failed:
        run_under_mocks(settings, lambda parts: _compute(parts))
    assert str(tmp_path / archive) in str(failed.value)
    assert "make package" in str(failed.value)


def _compute(parts: object) -> None:
    from infra.compute_stand_ins import StandIns

    assert isinstance(parts, StandIns)
    compute(parts)


def test_every_state_of_the_workflow_is_answered_by_a_function_with_grants() -> None:
    assert set(GRANTS) == set(BY_KEY), "each function of lambda_functions.FUNCTIONS has grants"
    assert MEETING_PREP.tasks()


SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:exec-assistant/{}-AbCdEf"
CALENDAR, SLACK, INTEGRATIONS, WEB = (
    SECRET_ARN.format(n) for n in ("calendar", "slack", "integrations", "web")
)
STATE_TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/exec-assistant-state"
DOCUMENTS = "arn:aws:s3:::exec-assistant-documents-123456789012"


def _by_sid(deployment: Deployment, key: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in function_policy(deployment, key)}


def _granted(deployment: Deployment, action: str, resource: str | None = None) -> set[str]:
    """The functions granted `action` (on `resource`, when given)."""
    return {
        e.key
        for e in FUNCTIONS
        for s in function_policy(deployment, e.key)
        if action in s["Action"] and (resource is None or resource in s["Resource"])
    }


def test_the_calendar_consent_may_use_the_state_table_and_store_the_calendar_secret_only(
    artifacts: Path,
) -> None:
    statements = _by_sid(declared(artifacts, vpc=False), "calendar_oauth")
    assert set(statements) == {
        "OwnLogGroup",
        "Traces",
        "Table0",
        "Secrets",
        "SecretWrites",
        "KeyViaSecretsmanager",
    }
    assert sorted(statements["Table0"]["Action"]) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    ]
    assert statements["Table0"]["Resource"] == [STATE_TABLE]
    assert statements["Secrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert statements["Secrets"]["Resource"] == [CALENDAR]
    assert statements["SecretWrites"]["Action"] == ["secretsmanager:PutSecretValue"]
    assert statements["SecretWrites"]["Resource"] == [CALENDAR]
    assert statements["KeyViaSecretsmanager"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_the_calendar_consent_is_given_the_web_address_and_the_calendar_secret(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts)
    variables = function(deployment, "calendar_oauth")["environment"]["variables"]
    assert variables["WEB_URL"] == "https://d-distribution.cloudfront.net"
    assert variables["CALENDAR_OAUTH_SECRET_ARN"] == CALENDAR
    assert "SLACK_BOT_TOKEN_ARN" not in variables
    # API Gateway calls it synchronously: a failure is the page's, not a dead letter.
    assert function(deployment, "calendar_oauth").get("deadLetterConfig") is None
    given = {
        e.key
        for e in FUNCTIONS
        if "WEB_URL" in function(deployment, e.key)["environment"]["variables"]
    }
    assert given == {"calendar_oauth", "web"}


def test_the_calendar_monitor_saves_renewed_tokens_and_keeps_calendar_snapshots(
    artifacts: Path,
) -> None:
    statements = _by_sid(declared(artifacts, vpc=False), "calendar_monitor")
    assert statements["Secrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert statements["Secrets"]["Resource"] == [SLACK, CALENDAR, INTEGRATIONS]
    # The calendar's authorization is written back; Slack's and the trackers' never.
    assert statements["SecretWrites"]["Action"] == ["secretsmanager:PutSecretValue"]
    assert statements["SecretWrites"]["Resource"] == [CALENDAR]
    snapshots = f"{DOCUMENTS}/sessions/calendars/*"
    assert statements["DocumentsDeleteObject"]["Resource"] == [snapshots]
    assert snapshots in statements["DocumentsGetObject"]["Resource"]
    assert snapshots in statements["DocumentsPutObject"]["Resource"]
    assert statements["DocumentsListBucket"]["Resource"] == [DOCUMENTS]
    assert statements["KeyViaSecretsmanager"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_only_the_functions_that_store_an_authorization_or_the_web_key_may_put_a_secret_value(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts)
    writers = _granted(deployment, "secretsmanager:PutSecretValue")
    assert writers == {"calendar_monitor", "calendar_oauth", "secret_rotation", "web"}
    assert _granted(deployment, "s3:DeleteObject") == {"calendar_monitor"}


def test_the_web_function_reads_and_changes_what_the_pages_do_and_nothing_more(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts, vpc=False)
    statements = _by_sid(deployment, "web")
    # The Slack app's credentials (sign in with Slack) and its own secret's session key,
    # which it makes on the deployment's first request: no other secret.
    assert statements["Secrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert statements["Secrets"]["Resource"] == [SLACK, WEB]
    assert statements["SecretWrites"]["Resource"] == [WEB]
    # The packs read, the notes stored; nothing deleted, no other folder.
    assert statements["DocumentsGetObject"]["Resource"] == [
        f"{DOCUMENTS}/config/*",
        f"{DOCUMENTS}/meetings/*",
    ]
    assert statements["DocumentsPutObject"]["Resource"] == [f"{DOCUMENTS}/meetings/*"]
    # Answers complete the wait; a skipped meeting's prep is stopped and its reminder
    # dropped; a reclassified one's new prep is asked for: nothing is started directly.
    assert statements["PrepExecutions"]["Action"] == ["states:StopExecution"]
    assert "states:SendTaskSuccess" in statements["TaskTokens"]["Action"]
    assert statements["Reminders"]["Action"] == ["scheduler:DeleteSchedule"]
    assert set(statements) == {
        "OwnLogGroup",
        "Traces",
        *(f"Table{n}" for n in range(4)),
        *(f"Table{n}Indexes" for n in range(4)),
        "DocumentsGetObject",
        "DocumentsPutObject",
        "DocumentsListBucket",
        "Secrets",
        "SecretWrites",
        "PrepExecutions",
        "TaskTokens",
        "PrepEvents",
        "Reminders",
        "KeyViaS3",
        "KeyViaSecretsmanager",
    }
    tables = {
        s["Resource"][0].rsplit("/", 1)[1]
        for n, s in statements.items()
        if n.removeprefix("Table").isdigit()
    }
    assert tables == {
        "exec-assistant-meetings",
        "exec-assistant-chat-sessions",
        "exec-assistant-follow-ups",
        "exec-assistant-state",
    }
    web = function(deployment, "web")
    # API Gateway calls it synchronously, and its routes are public: held to a few instances.
    assert web.get("deadLetterConfig") is None
    assert web["reservedConcurrentExecutions"] == 5


def test_the_web_function_is_given_its_secret_the_sites_address_and_the_calendars_news(
    artifacts: Path,
) -> None:
    variables = function(declared(artifacts), "web")["environment"]["variables"]
    assert variables["WEB_SECRET_ARN"] == WEB
    assert variables["WEB_URL"] == "https://d-distribution.cloudfront.net"
    assert variables["SLACK_BOT_TOKEN_ARN"] == SLACK  # the Slack app's client id and secret
    assert variables["CALENDARS_CONFIGURED"] == "false"  # the stack names no calendar
    settings = DeploymentSettings(
        **{
            k.lower(): v
            for k, v in variables.items()
            if k.lower() in DeploymentSettings.model_fields
        }
    )
    assert settings.web_secret_arn == WEB and settings.calendars_configured is False
    google = function(declared(artifacts, calendarApiType="google"), "web")
    assert google["environment"]["variables"]["CALENDARS_CONFIGURED"] == "true"
    given = {
        e.key
        for e in FUNCTIONS
        if "WEB_SECRET_ARN" in function(declared(artifacts), e.key)["environment"]["variables"]
    }
    assert given == {"web"}


def test_the_calendar_monitor_gets_the_calendar_api_settings(artifacts: Path) -> None:
    default = function(declared(artifacts), "calendar_monitor")["environment"]["variables"]
    assert default["CALENDAR_API_TYPE"] == "ics"
    assert "CALENDAR_API_ENDPOINT" not in default
    assert default["CALENDAR_OAUTH_SECRET_ARN"] == CALENDAR
    assert default["INTEGRATIONS_SECRET_ARN"] == INTEGRATIONS
    google = function(
        declared(
            artifacts,
            calendarApiType="google",
            calendarApiEndpoint="https://calendar-proxy.example.com/calendar/v3/",
        ),
        "calendar_monitor",
    )["environment"]["variables"]
    assert google["CALENDAR_API_TYPE"] == "google"
    assert google["CALENDAR_API_ENDPOINT"] == "https://calendar-proxy.example.com/calendar/v3"
    settings = DeploymentSettings(
        **{k.lower(): v for k, v in google.items() if k.lower() in DeploymentSettings.model_fields}
    )
    assert settings.calendar_api_type == "google"
    assert settings.calendar_oauth_secret_arn == CALENDAR


@pytest.mark.parametrize(
    "values",
    [
        {"calendarApiType": "outlook"},
        {"calendarApiEndpoint": "http://calendar-proxy.example.com"},
        {"calendarApiEndpoint": "https://proxy.example.com/?key=abc"},
    ],
)
def test_a_calendar_api_setting_the_monitor_cannot_use_is_refused(
    artifacts: Path, values: dict[str, str]
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        settings_with_artifacts(artifacts, **values)


def test_the_budget_branch_reads_costs_and_budgets_and_no_secret(artifacts: Path) -> None:
    statements = _by_sid(declared(artifacts, vpc=False), "budget_context")
    assert statements["CostExplorer"]["Action"] == ["ce:GetCostAndUsage", "ce:GetCostForecast"]
    assert statements["CostExplorer"]["Resource"] == ["*"]
    assert statements["Budgets"]["Action"] == ["budgets:ViewBudget"]
    assert statements["Budgets"]["Resource"] == ["arn:aws:budgets::123456789012:budget/*"]
    assert "Secrets" not in statements


def test_the_systems_of_record_branches_read_the_integrations_secret_only(
    artifacts: Path,
) -> None:
    deployment = declared(artifacts)
    readers = _granted(deployment, "secretsmanager:GetSecretValue", INTEGRATIONS)
    assert readers == {
        "calendar_monitor",
        "incidents_context",
        "big_rocks_context",
        "staffing_context",
    }
    for key in ("incidents_context", "big_rocks_context", "staffing_context"):
        statements = _by_sid(deployment, key)
        assert statements["Secrets"]["Resource"] == [INTEGRATIONS]
        assert "SecretWrites" not in statements and "CostExplorer" not in statements
        variables = function(deployment, key)["environment"]["variables"]
        assert variables["INTEGRATIONS_SECRET_ARN"] == INTEGRATIONS
        assert "CALENDAR_OAUTH_SECRET_ARN" not in variables


def test_the_web_function_is_told_who_may_sign_in_besides_the_executive(
    artifacts: Path,
) -> None:
    default = function(declared(artifacts), "web")["environment"]["variables"]
    assert "EXEC_ASSISTANT_WEB_DELEGATES" not in default
    assert default["EXEC_ASSISTANT_WEB_DELEGATES_SEE_PRIVATE"] == "false"
    given = function(
        declared(
            artifacts,
            webDelegates=("U0COS1234", "U0EA5678"),
            webDelegatesSeePrivate=True,
            slackTeamId="T0NORTH1",
        ),
        "web",
    )["environment"]["variables"]
    assert given["EXEC_ASSISTANT_WEB_DELEGATES"] == "U0COS1234,U0EA5678"
    assert given["EXEC_ASSISTANT_WEB_DELEGATES_SEE_PRIVATE"] == "true"
    assert given["EXEC_ASSISTANT_SLACK_TEAM_ID"] == "T0NORTH1"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        web_delegates=given["EXEC_ASSISTANT_WEB_DELEGATES"],
        web_delegates_see_private=given["EXEC_ASSISTANT_WEB_DELEGATES_SEE_PRIVATE"],
    )
    assert settings.web_delegates == ["U0COS1234", "U0EA5678"]
    assert settings.web_delegates_see_private is True
    others = {
        e.key
        for e in FUNCTIONS
        if "EXEC_ASSISTANT_WEB_DELEGATES_SEE_PRIVATE"
        in function(declared(artifacts), e.key)["environment"]["variables"]
    }
    assert others == {"web"}
