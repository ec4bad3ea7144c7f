"""The rotation function of the calendar and Slack secrets, through its handler, on moto's
Secrets Manager (127.0.0.1) and local fake token servers: Google's and Microsoft's token
endpoints (oauth_token_server) and Slack's Web API (slack_api).

Each rotation starts as Secrets Manager starts one (`rotate_secret`: a new version staged
AWSPENDING, with no value yet); the test then invokes the function with the four steps'
events, as Secrets Manager does."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.aws_clients import AwsClients
from exec_assistant.domain.errors import (
    CredentialsRejected,
    ProviderUnavailable,
    RotationRefused,
    SecretRotationFailed,
)
from exec_assistant.handlers.runtime import BadEvent, Handler
from exec_assistant.handlers.secret_rotation import make_handler, rotation_app

from moto_server import AwsEndpoint
from oauth_token_server import GOOGLE_CALENDAR_SCOPE, OAuthTokenServer
from slack_api import SlackApiServer

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
CLIENT_ID = "1234-calendar.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-client-secret-value"
REFRESH_TOKEN = "1//0g-refresh-token-value"
OLD_ACCESS_TOKEN = "ya29.old-access-token-value"
MS_SCOPES = ["https://graph.microsoft.com/Calendars.Read", "offline_access"]
SLACK_CLIENT_ID = "111.222"
SLACK_CLIENT_SECRET = "slack-client-secret-value"
SLACK_REFRESH_TOKEN = "xoxe-1-first-refresh-value"
SIGNING_SECRET = "8f2e-signing-secret-value"
APP_TOKEN = "xapp-1-app-token-value"


@dataclass(frozen=True)
class Context:
    """The Lambda runtime's context: what is left of the function's 60 s."""

    remaining_ms: int = 60_000
    aws_request_id: str = "req-rotation"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture(scope="module")
def rotation_function(aws: AwsEndpoint) -> str:
    """A Lambda function for Secrets Manager to name as the rotation function (moto runs
    nothing in it: the test invokes the real handler with the steps' events)."""
    role = aws.client("iam").create_role(
        RoleName=aws.unique("rotation"),
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    arn: str = aws.client("lambda").create_function(
        FunctionName=aws.unique("secret-rotation"),
        Runtime="python3.11",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    return arn


@dataclass
class Secret:
    """A secret on moto and what the tests read of it."""

    aws: AwsEndpoint
    arn: str
    rotation_function: str

    @property
    def _client(self) -> Any:
        return self.aws.client("secretsmanager")

    def start_rotation(self) -> str:
        """What Secrets Manager does first: the new version, AWSPENDING, no value yet."""
        answer = self._client.rotate_secret(
            SecretId=self.arn,
            RotationLambdaARN=self.rotation_function,
            RotationRules={"AutomaticallyAfterDays": 90},
        )
        return str(answer["VersionId"])

    def stages(self) -> dict[str, list[str]]:
        described = self._client.describe_secret(SecretId=self.arn)
        return {k: sorted(v) for k, v in described["VersionIdsToStages"].items()}

    def at(self, stage: str) -> dict[str, Any]:
        answer = self._client.get_secret_value(SecretId=self.arn, VersionStage=stage)
        value: dict[str, Any] = json.loads(answer["SecretString"])
        return value

    def version_at(self, stage: str) -> str:
        return next(v for v, stages in self.stages().items() if stage in stages)


def new_secret(
    aws: AwsEndpoint, rotation_function: str, kind: str, value: dict[str, Any]
) -> Secret:
    arn = aws.client("secretsmanager").create_secret(
        Name=f"{aws.unique('exec-assistant')}/{kind}", SecretString=json.dumps(value)
    )["ARN"]
    return Secret(aws, arn, rotation_function)


def authorized_user(token_uri: str, **changes: Any) -> dict[str, Any]:
    """The calendar secret as google-auth writes an authorized user."""
    value: dict[str, Any] = {
        "token": OLD_ACCESS_TOKEN,
        "refresh_token": REFRESH_TOKEN,
        "token_uri": token_uri,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": [GOOGLE_CALENDAR_SCOPE],
        "expiry": "2026-01-01T00:00:00Z",
        "universe_domain": "googleapis.com",
        "account": "",
    }
    value.update(changes)
    return value


def slack_value(bot_token: str, **extra: str) -> dict[str, Any]:
    return {
        "bot_token": bot_token,
        "app_token": APP_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "user_id": "UEXEC0001",
        **extra,
    }


def rotating_slack_value(bot_token: str) -> dict[str, Any]:
    """The Slack secret of an app with token rotation on."""
    return slack_value(
        bot_token,
        refresh_token=SLACK_REFRESH_TOKEN,
        client_id=SLACK_CLIENT_ID,
        client_secret=SLACK_CLIENT_SECRET,
    )


def handler_for(
    aws: AwsEndpoint,
    *,
    slack: SlackApiServer | None = None,
    read_timeout: float | None = None,
) -> Handler:
    app = rotation_app(
        AwsClients(aws.session(), endpoint_url=aws.url),
        slack_api_url=slack.base_url if slack else None,
        read_timeout=read_timeout,
    )
    return make_handler(lambda: app)


def invoke(
    handler: Handler, secret: Secret, token: str, step: str, context: Context | None = None
) -> Any:
    event = {"SecretId": secret.arn, "ClientRequestToken": token, "Step": step}
    return handler(event, context or Context())


def rotate(handler: Handler, secret: Secret) -> str:
    token = secret.start_rotation()
    for step in STEPS:
        invoke(handler, secret, token, step)
    return token


def token_server(**options: Any) -> OAuthTokenServer:
    """A token endpoint that knows the calendar's OAuth client and refresh token."""
    return OAuthTokenServer(
        refresh_token=REFRESH_TOKEN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options
    )


@pytest.fixture
def google() -> Iterator[OAuthTokenServer]:
    with token_server() as server:
        yield server


@pytest.fixture
def calendar(aws: AwsEndpoint, rotation_function: str, google: OAuthTokenServer) -> Secret:
    return new_secret(aws, rotation_function, "calendar", authorized_user(google.token_uri))


def test_a_calendar_rotation_makes_the_new_access_token_current_and_the_old_one_previous(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    old_version = calendar.version_at("AWSCURRENT")
    before = datetime.now(UTC)

    token = rotate(handler_for(aws), calendar)

    stages = calendar.stages()
    assert stages[token] == ["AWSCURRENT"]
    assert stages[old_version] == ["AWSPREVIOUS"]
    current = calendar.at("AWSCURRENT")
    assert current["token"] == google.issued[0] != OLD_ACCESS_TOKEN
    assert current["refresh_token"] == REFRESH_TOKEN  # Google answers none: the old one stays
    expiry = datetime.strptime(current["expiry"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=3590) <= expiry <= before + timedelta(seconds=3610)
    assert {k: v for k, v in current.items() if k not in ("token", "expiry")} == {
        k: v for k, v in authorized_user(google.token_uri).items() if k not in ("token", "expiry")
    }
    assert calendar.at("AWSPREVIOUS")["token"] == OLD_ACCESS_TOKEN
    (grant,) = google.grants
    assert grant == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": GOOGLE_CALENDAR_SCOPE,
    }


def test_a_microsoft_calendar_keeps_the_new_refresh_token_its_endpoint_answers(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with token_server(
        rotates_refresh_tokens=True,
        granted_scopes=("Calendars.Read",),
        token_prefix="eyJ0eXAi.fake-",
    ) as microsoft:
        secret = new_secret(
            aws,
            rotation_function,
            "calendar",
            authorized_user(microsoft.token_uri, scopes=MS_SCOPES),
        )
        handler = handler_for(aws)
        rotate(handler, secret)
        first = secret.at("AWSCURRENT")
        rotate(handler, secret)
        second = secret.at("AWSCURRENT")

    access_1, refresh_1, access_2, refresh_2 = microsoft.issued
    assert (first["token"], first["refresh_token"]) == (access_1, refresh_1)
    assert (second["token"], second["refresh_token"]) == (access_2, refresh_2)
    # The second rotation spent the refresh token the first one stored.
    assert [g["refresh_token"] for g in microsoft.grants] == [REFRESH_TOKEN, refresh_1]
    assert microsoft.grants[0]["scope"] == " ".join(MS_SCOPES)
    assert secret.at("AWSPREVIOUS")["refresh_token"] == refresh_1


def test_every_step_invoked_again_changes_nothing_and_asks_the_provider_once(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    handler = handler_for(aws)
    token = calendar.start_rotation()
    for step in STEPS:
        invoke(handler, calendar, token, step)
        after_first = (calendar.stages(), calendar.at("AWSCURRENT"))
        invoke(handler, calendar, token, step)
        assert (calendar.stages(), calendar.at("AWSCURRENT")) == after_first, step

    assert len(google.grants) == 1
    assert calendar.stages()[token] == ["AWSCURRENT"]
    assert calendar.at("AWSCURRENT")["token"] == google.issued[0]


def test_a_revoked_refresh_token_fails_create_secret_and_leaves_the_current_value(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    google.revoke()
    current_version = calendar.version_at("AWSCURRENT")
    token = calendar.start_rotation()

    with pytest.raises(CredentialsRejected) as failed:
        invoke(handler_for(aws), calendar, token, "createSecret")

    message = str(failed.value)
    assert calendar.arn.split(":")[-1].rsplit("-", 1)[0] in message
    assert "createSecret" in message and "invalid_grant" in message
    assert "Authorize the calendar again" in message
    assert calendar.version_at("AWSCURRENT") == current_version
    assert calendar.at("AWSCURRENT") == authorized_user(google.token_uri)


def test_a_version_that_is_not_the_pending_one_is_refused(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    handler = handler_for(aws)
    first_version = calendar.version_at("AWSCURRENT")
    rotate(handler, calendar)  # the first version is now AWSPREVIOUS
    stages = calendar.stages()

    with pytest.raises(RotationRefused, match=r"is not AWSPENDING \(its stages: AWSPREVIOUS\)"):
        invoke(handler, calendar, first_version, "createSecret")
    with pytest.raises(RotationRefused, match="is not a version of the secret"):
        invoke(handler, calendar, str(uuid.uuid4()), "finishSecret")

    assert calendar.stages() == stages
    assert len(google.grants) == 1


def test_a_secret_without_rotation_enabled_is_refused(
    aws: AwsEndpoint, google: OAuthTokenServer, rotation_function: str
) -> None:
    secret = new_secret(aws, rotation_function, "calendar", authorized_user(google.token_uri))
    version = secret.version_at("AWSCURRENT")

    with pytest.raises(RotationRefused, match="rotation is not enabled on it"):
        invoke(handler_for(aws), secret, version, "createSecret")

    assert google.grants == []


def test_a_token_endpoint_that_hangs_fails_create_secret_within_the_read_timeout(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    google.hang()
    token = calendar.start_rotation()
    started = time.monotonic()

    with pytest.raises(ProviderUnavailable, match="no answer within 1 s") as failed:
        invoke(handler_for(aws, read_timeout=1.0), calendar, token, "createSecret")

    assert time.monotonic() - started < 5
    assert "createSecret" in str(failed.value)
    assert len(google.grants) == 1  # sent, unanswered: not sent again
    assert calendar.at("AWSCURRENT")["token"] == OLD_ACCESS_TOKEN


def test_a_token_endpoint_that_hangs_past_the_time_left_is_cut_off_at_the_deadline(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    google.hang()
    token = calendar.start_rotation()
    started = time.monotonic()

    # 6.5 s left of the function: 1.5 s once the margin for Secrets Manager is kept.
    with pytest.raises(ProviderUnavailable, match="before the time left ran out"):
        invoke(handler_for(aws), calendar, token, "createSecret", Context(remaining_ms=6_500))

    assert 1.0 < time.monotonic() - started < 4


def test_rate_limits_and_server_errors_are_retried_after_retry_after(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    google.fail(429, retry_after=1)
    google.fail(503)
    started = time.monotonic()

    rotate(handler_for(aws), calendar)

    # 1 s as Retry-After asked, then 2 s of backoff after the 503 (the second attempt).
    assert 3.0 <= time.monotonic() - started < 8
    assert len(google.grants) == 3
    assert calendar.at("AWSCURRENT")["token"] == google.issued[0]


def test_a_retry_after_longer_than_the_time_left_fails_at_once(
    aws: AwsEndpoint, google: OAuthTokenServer, calendar: Secret
) -> None:
    google.fail(429, retry_after=120)
    token = calendar.start_rotation()
    started = time.monotonic()

    with pytest.raises(ProviderUnavailable, match="HTTP 429, and the next attempt after 120 s"):
        invoke(handler_for(aws), calendar, token, "createSecret")

    assert time.monotonic() - started < 3
    assert calendar.at("AWSCURRENT")["token"] == OLD_ACCESS_TOKEN


def test_a_pending_access_token_that_expires_at_once_fails_test_secret(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with token_server(expires_in=30) as short_lived:
        secret = new_secret(
            aws, rotation_function, "calendar", authorized_user(short_lived.token_uri)
        )
        handler = handler_for(aws)
        token = secret.start_rotation()
        invoke(handler, secret, token, "createSecret")
        invoke(handler, secret, token, "setSecret")
        with pytest.raises(CredentialsRejected, match="testSecret: the pending access token has"):
            invoke(handler, secret, token, "testSecret")

    assert secret.at("AWSCURRENT")["token"] == OLD_ACCESS_TOKEN


def test_an_authorization_that_lost_the_calendar_scope_fails_create_secret(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with token_server(
        granted_scopes=("openid", "https://www.googleapis.com/auth/userinfo.email")
    ) as narrowed:
        secret = new_secret(aws, rotation_function, "calendar", authorized_user(narrowed.token_uri))
        token = secret.start_rotation()
        with pytest.raises(CredentialsRejected, match=r"no longer grants .*calendar\.readonly"):
            invoke(handler_for(aws), secret, token, "createSecret")

    assert secret.at("AWSCURRENT")["token"] == OLD_ACCESS_TOKEN


def test_a_token_uri_that_is_not_https_is_refused_before_the_client_secret_is_sent(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    secret = new_secret(
        aws, rotation_function, "calendar", authorized_user("http://oauth2.example.com/token")
    )
    token = secret.start_rotation()

    with pytest.raises(RotationRefused, match="is not an https URL"):
        invoke(handler_for(aws), secret, token, "createSecret")


def test_a_slack_secret_with_token_rotation_gets_a_new_bot_token_that_auth_test_accepts(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with SlackApiServer(bot_token="xoxe.xoxb-1-first-bot-token") as slack:
        slack.enable_token_rotation(SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_REFRESH_TOKEN)
        rotating = rotating_slack_value(slack.bot_token)
        secret = new_secret(aws, rotation_function, "slack", rotating)
        handler = handler_for(aws, slack=slack)
        rotate(handler, secret)
        first = secret.at("AWSCURRENT")
        rotate(handler, secret)
        second = secret.at("AWSCURRENT")
        issued = slack.issued_bot_tokens()
        access_calls = slack.calls("oauth.v2.access")
        tested_with = [c.headers.get("authorization") for c in slack.calls("auth.test")]

    assert first["bot_token"].startswith("xoxe.xoxb-") and first["bot_token"] in issued
    assert second["bot_token"] in issued and second["bot_token"] != first["bot_token"]
    assert [c.params["refresh_token"] for c in access_calls] == [
        SLACK_REFRESH_TOKEN,
        first["refresh_token"],
    ]
    assert tested_with == [f"Bearer {first['bot_token']}", f"Bearer {second['bot_token']}"]
    unchanged = {k: v for k, v in rotating.items() if k not in ("bot_token", "refresh_token")}
    assert {k: v for k, v in second.items() if k not in ("bot_token", "refresh_token")} == unchanged


def test_a_slack_secret_with_a_static_bot_token_is_refused_saying_what_to_turn_on(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with SlackApiServer() as slack:
        secret = new_secret(aws, rotation_function, "slack", slack_value(slack.bot_token))
        token = secret.start_rotation()
        with pytest.raises(RotationRefused) as refused:
            invoke(handler_for(aws, slack=slack), secret, token, "createSecret")
        calls = slack.calls()

    message = str(refused.value)
    assert "createSecret" in message
    assert "no refresh_token, client_id, client_secret" in message
    assert "signing secret is regenerated in the Slack app's settings" in message
    assert "Turn on token rotation in the Slack app" in message
    assert calls == []
    assert secret.at("AWSCURRENT") == slack_value(slack.bot_token)


def test_a_new_slack_bot_token_that_auth_test_refuses_fails_test_secret(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with SlackApiServer(bot_token="xoxe.xoxb-1-first-bot-token") as slack:
        slack.enable_token_rotation(SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_REFRESH_TOKEN)
        secret = new_secret(aws, rotation_function, "slack", rotating_slack_value(slack.bot_token))
        handler = handler_for(aws, slack=slack)
        token = secret.start_rotation()
        invoke(handler, secret, token, "createSecret")
        slack.fail("auth.test", "token_revoked")
        with pytest.raises(
            CredentialsRejected, match="testSecret: Slack refused the new bot token"
        ):
            invoke(handler, secret, token, "testSecret")

    assert secret.at("AWSCURRENT")["bot_token"] == "xoxe.xoxb-1-first-bot-token"


def test_a_used_slack_refresh_token_fails_create_secret_naming_slack_s_error(
    aws: AwsEndpoint, rotation_function: str
) -> None:
    with SlackApiServer(bot_token="xoxe.xoxb-1-first-bot-token") as slack:
        slack.enable_token_rotation(SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, "xoxe-1-another")
        secret = new_secret(aws, rotation_function, "slack", rotating_slack_value(slack.bot_token))
        token = secret.start_rotation()
        with pytest.raises(CredentialsRejected, match="invalid_refresh_token"):
            invoke(handler_for(aws, slack=slack), secret, token, "createSecret")

    assert secret.at("AWSCURRENT")["bot_token"] == "xoxe.xoxb-1-first-bot-token"


def test_a_secret_that_is_not_there_fails_naming_it_and_the_step(aws: AwsEndpoint) -> None:
    missing = f"{aws.unique('exec-assistant')}/calendar"
    event = {"SecretId": missing, "ClientRequestToken": str(uuid.uuid4()), "Step": "testSecret"}

    with pytest.raises(SecretRotationFailed) as failed:
        handler_for(aws)(event, Context())

    assert str(failed.value).startswith(f"cannot rotate secret {missing} at testSecret: ")
    assert "ResourceNotFoundException" in str(failed.value)


def test_an_event_that_is_not_a_rotation_step_is_a_bad_event(
    aws: AwsEndpoint, calendar: Secret
) -> None:
    with pytest.raises(BadEvent, match="Step"):
        handler_for(aws)(
            {"SecretId": calendar.arn, "ClientRequestToken": "t", "Step": "rotate"}, Context()
        )


def test_no_log_line_or_error_carries_a_credential(
    aws: AwsEndpoint,
    google: OAuthTokenServer,
    calendar: Secret,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level("DEBUG")
    handler = handler_for(aws)
    rotate(handler, calendar)
    google.revoke()
    token = calendar.start_rotation()
    with pytest.raises(CredentialsRejected) as failed:
        invoke(handler, calendar, token, "createSecret")

    captured = capsys.readouterr()
    written = caplog.text + captured.out + captured.err + str(failed.value)
    assert "pending version made" in caplog.text  # the logs were captured
    for value in (CLIENT_SECRET, REFRESH_TOKEN, OLD_ACCESS_TOKEN, *google.issued):
        assert value not in written
