"""`doctor` for Slack: the bot token signs in (auth.test), has the manifest's scopes, and the
server's clock agrees with ours."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.errors import SlackApiError, SlackClientError

from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck, clock_check
from exec_assistant.ports import Clock
from exec_assistant.slack.client import slack_client
from exec_assistant.slack.manifest import manifest_template

NAME = "slack"
_REINSTALL = (
    "Add them under OAuth & Permissions → Scopes in the app's settings (or recreate the app "
    "from `exec-assistant slack manifest`), reinstall it, and store the new bot token."
)


def bot_scopes() -> tuple[str, ...]:
    """The bot scopes the shipped manifest asks for."""
    return tuple(manifest_template()["oauth_config"]["scopes"]["bot"])


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


class SlackDoctor:
    name = NAME

    def __init__(
        self,
        bot_token: str | None,
        clock: Clock,
        *,
        base_url: str | None = None,
        required_scopes: Sequence[str] | None = None,
    ) -> None:
        self._token = bot_token
        self._clock = clock
        self._base_url = base_url
        self._required = tuple(required_scopes) if required_scopes else bot_scopes()

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        if not self._token:
            return [
                IntegrationCheck(
                    NAME,
                    "credentials",
                    CheckStatus.FAILED,
                    "SLACK_BOT_TOKEN is not set",
                    fix="Copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.",
                )
            ]
        client = slack_client(self._token, base_url=self._base_url, timeout=deadline_seconds)
        try:
            answer = client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "an error")
            return [
                IntegrationCheck(
                    NAME,
                    "credentials",
                    CheckStatus.FAILED,
                    f"Slack refused the bot token ({error[:80]})",
                    fix="Store the app's current Bot User OAuth Token as SLACK_BOT_TOKEN "
                    "(reinstalling the app issues a new one).",
                )
            ]
        except (SlackClientError, OSError) as exc:
            return [
                IntegrationCheck(
                    NAME,
                    "reachable",
                    CheckStatus.FAILED,
                    f"Slack's API cannot be reached ({type(exc).__name__})",
                    fix="Check your network and proxy settings.",
                )
            ]
        team = str(answer.get("team") or answer.get("team_id") or "?")[:80]
        user = str(answer.get("user") or answer.get("user_id") or "?")[:80]
        checks = [
            IntegrationCheck(NAME, "credentials", CheckStatus.OK, f"signed in as {user} in {team}")
        ]
        granted_header = _header(answer.headers, "x-oauth-scopes")
        if granted_header is None:
            checks.append(
                IntegrationCheck(
                    NAME, "scopes", CheckStatus.SKIPPED, "Slack did not say which scopes it has"
                )
            )
        else:
            granted = {scope.strip() for scope in granted_header.split(",") if scope.strip()}
            missing = [scope for scope in self._required if scope not in granted]
            if missing:
                checks.append(
                    IntegrationCheck(
                        NAME,
                        "scopes",
                        CheckStatus.FAILED,
                        f"the token lacks {', '.join(missing)}",
                        fix=_REINSTALL,
                    )
                )
            else:
                checks.append(
                    IntegrationCheck(
                        NAME,
                        "scopes",
                        CheckStatus.OK,
                        f"all {len(self._required)} scopes the app needs are granted",
                    )
                )
        checks.append(clock_check(NAME, _header(answer.headers, "date"), self._clock.now()))
        return checks
