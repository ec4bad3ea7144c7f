"""Slack from the command line: the manifest to paste, what `config check` says about Slack,
and the webhook Lambda's cold path importing nothing of strands or dbos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli_user import CliUser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=200)


def test_slack_manifest_prints_yaml_to_paste(user: CliUser) -> None:
    manifest = yaml.safe_load(user.ok("slack", "manifest", "--url", "https://a.example"))
    assert manifest["settings"]["interactivity"]["request_url"] == "https://a.example/slack/events"
    socket = json.loads(user.ok("slack", "manifest", "--socket-mode", "--json"))
    assert socket["settings"]["socket_mode_enabled"] is True


def test_slack_manifest_with_an_http_url_exits_2_with_the_fix(user: CliUser) -> None:
    result = user.run("slack", "manifest", "--url", "http://a.example")
    assert result.returncode == 2
    assert "https" in result.stderr and "--socket-mode" in result.stderr


def test_config_check_shows_which_slack_secrets_are_set_never_their_values(
    user: CliUser,
) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-very-secret-1", "SLACK_SIGNING_SECRET": "sig-very-secret-2"}
    out = user.ok("config", "check", **env, EXEC_ASSISTANT_SLACK_USER_ID="U0123ABCD")
    assert "SLACK_BOT_TOKEN" in out and "SLACK_APP_TOKEN" in out
    assert "xoxb-very-secret-1" not in out and "sig-very-secret-2" not in out
    report = user.json("config", "check", **env)
    assert report["secrets"] == {
        "SLACK_BOT_TOKEN": {"set": True},
        "SLACK_SIGNING_SECRET": {"set": True},
        "SLACK_APP_TOKEN": {"set": False},
    }
    assert any("EXEC_ASSISTANT_SLACK_USER_ID is not set" in n for n in report["notes"])
    assert "very-secret" not in json.dumps(report)


def test_config_check_says_nothing_of_slack_when_it_is_unused(user: CliUser) -> None:
    report = user.json("config", "check")
    assert not any(n.startswith("Slack") for n in report["notes"])


COLD_PATH = """
import hashlib, hmac, json, sys, time
body = json.dumps({"type": "url_verification", "challenge": "c1"})
ts = str(int(time.time()))
signature = "v0=" + hmac.new(b"s" * 32, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
from exec_assistant.handlers.slack_webhook import lambda_handler
response = lambda_handler(
    {"headers": {"content-type": "application/json", "x-slack-request-timestamp": ts,
                 "x-slack-signature": signature},
     "requestContext": {"http": {"method": "POST"}}, "body": body, "isBase64Encoded": False},
    None,
)
assert response["statusCode"] == 200 and "c1" in response["body"], response
"""


def test_the_webhook_lambdas_cold_path_imports_nothing_of_strands_or_dbos(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "src"),
        "EXEC_ASSISTANT_HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s" * 32,
        "EXEC_ASSISTANT_SLACK_USER_ID": "UEXEC0001",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "DOCUMENTS_S3_BUCKET": "exec-assistant-documents",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", COLD_PATH],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "exec_assistant.handlers.slack_webhook" in imported
    heavy = sorted(m for m in imported if m.split(".")[0] in ("strands", "dbos"))
    assert heavy == []
    # Nor the parts of the product that would bring them, or cost the cold start dearly.
    assert (
        not {
            "exec_assistant.bootstrap",
            "exec_assistant.services",
            "exec_assistant.agents",
            "exec_assistant.workflows",
            "rich",
        }
        & imported
    )
