"""`doctor` for Slack, against the fake Slack Web API: the token, its scopes, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from exec_assistant.clocks import FixedClock, SystemClock
from exec_assistant.domain.integrations import CheckStatus
from exec_assistant.slack.doctor import SlackDoctor, bot_scopes

from slack_api import BOT_TOKEN, SlackApiServer


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer() as server:
        yield server


def _by_check(checks: list) -> dict:
    return {c.check: c for c in checks}


def test_a_working_token_with_every_scope_passes(slack: SlackApiServer) -> None:
    checks = _by_check(SlackDoctor(BOT_TOKEN, SystemClock(), base_url=slack.base_url).check(5))
    assert checks["credentials"].status == CheckStatus.OK
    assert "signed in as exec-assistant in Fake" in checks["credentials"].detail
    assert checks["scopes"].status == CheckStatus.OK
    assert checks["clock"].status == CheckStatus.OK


def test_a_missing_scope_is_named_with_the_fix() -> None:
    scopes = tuple(s for s in bot_scopes() if s != "files:write")
    with SlackApiServer(scopes=scopes) as slack:
        checks = _by_check(SlackDoctor(BOT_TOKEN, SystemClock(), base_url=slack.base_url).check(5))
    assert checks["scopes"].status == CheckStatus.FAILED
    assert checks["scopes"].detail == "the token lacks files:write"
    assert "reinstall" in (checks["scopes"].fix or "")


def test_a_revoked_token_fails_and_says_what_to_store(slack: SlackApiServer) -> None:
    slack.revoke()
    checks = SlackDoctor(BOT_TOKEN, SystemClock(), base_url=slack.base_url).check(5)
    assert [c.status for c in checks] == [CheckStatus.FAILED]
    assert "token_revoked" in checks[0].detail
    assert "SLACK_BOT_TOKEN" in (checks[0].fix or "")


def test_no_token_at_all_is_one_failed_check() -> None:
    checks = SlackDoctor(None, SystemClock()).check(5)
    assert [(c.check, c.status) for c in checks] == [("credentials", CheckStatus.FAILED)]


def test_a_clock_ten_minutes_off_is_a_warning(slack: SlackApiServer) -> None:
    clock = FixedClock(SystemClock().now() + timedelta(minutes=10))
    checks = _by_check(SlackDoctor(BOT_TOKEN, clock, base_url=slack.base_url).check(5))
    assert checks["clock"].status == CheckStatus.WARNING
    assert "ahead of the server" in checks["clock"].detail


def test_slack_down_is_unreachable_not_a_traceback() -> None:
    checks = SlackDoctor(BOT_TOKEN, SystemClock(), base_url="http://127.0.0.1:9/api/").check(2)
    assert [(c.check, c.status) for c in checks] == [("reachable", CheckStatus.FAILED)]
