"""`exec-assistant doctor` as a person runs it: what works, what to fix, the exit status."""

from __future__ import annotations

import json
from pathlib import Path

from cli_user import ROOT, CliUser
from slack_api import BOT_TOKEN, SlackApiServer


def test_the_examples_check_out(tmp_path: Path) -> None:
    user = CliUser(tmp_path, columns=80)
    result = user.run("doctor", EXEC_ASSISTANT_CALENDARS=str(ROOT / "examples" / "calendar.ics"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ " + str(ROOT / "examples" / "calendar.ics") in result.stdout
    for kind in ("budget", "big_rocks", "incidents", "staffing"):
        assert f"✓ {kind}" in result.stdout
    assert "0 failed, 0 warnings." in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_an_unreachable_calendar_fails_with_its_fix_and_status_1(tmp_path: Path) -> None:
    user = CliUser(tmp_path)
    result = user.run(
        "doctor", "--json", EXEC_ASSISTANT_CALENDARS="https://me:s3cret@127.0.0.1:9/cal.ics"
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["healthy"] is False
    failed = [c for c in data["checks"] if c["status"] == "failed"]
    assert failed[0]["check"] == "reachable"
    assert "s3cret" not in result.stdout + result.stderr
    assert failed[0]["fix"]


def test_no_calendar_and_no_exports_are_warnings_that_say_what_to_do(tmp_path: Path) -> None:
    user = CliUser(tmp_path)
    result = user.run("doctor", EXEC_ASSISTANT_CONTEXT_DIR=str(tmp_path / "nothing"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no calendar is configured" in result.stdout
    assert "calendars add google" in result.stdout
    assert "not set up" in result.stdout


def test_slack_is_checked_when_it_is_configured(tmp_path: Path) -> None:
    user = CliUser(tmp_path)
    with SlackApiServer() as slack:
        result = user.run(
            "doctor",
            "--json",
            SLACK_BOT_TOKEN=BOT_TOKEN,
            EXEC_ASSISTANT_SLACK_USER_ID="U0EXEC001",
            EXEC_ASSISTANT_SLACK_API_URL=slack.base_url,
        )
    checks = {(c["integration"], c["check"]): c for c in json.loads(result.stdout)["checks"]}
    assert checks[("slack", "credentials")]["status"] == "ok"
    assert checks[("slack", "scopes")]["status"] == "ok"


def test_a_bad_context_yaml_is_an_error_naming_the_key(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "context.yaml").write_text("incidents:\n  source: nagios\n", encoding="utf-8")
    user = CliUser(tmp_path)
    result = user.run("doctor", EXEC_ASSISTANT_CONTEXT_DIR=str(context))
    assert result.returncode != 0
    assert "incidents.source" in result.stderr
    assert "Traceback" not in result.stderr
