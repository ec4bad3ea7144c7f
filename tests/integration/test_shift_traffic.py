"""`tools/shift_traffic.py` against Lambda (moto on 127.0.0.1) and a fake of CodeDeploy's JSON
API that moves the aliases as CodeDeploy does: what the pipeline (and whoever reads its log)
sees of a release — which functions moved, which rolled back, and the undo."""

from __future__ import annotations

import io
import json
import math
import os
import signal
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import shift_traffic
from exec_assistant.lambda_functions import FUNCTIONS
from refusing_lambda import RefusingLambda

from canned_aws import canned_aws
from codedeploy_api import CodeDeployServer
from moto_server import AwsEndpoint

CHANGED = ("meeting_classifier", "slack_webhook")


@dataclass
class DeployedStack:
    prefix: str
    lambda_client: Any
    codedeploy: CodeDeployServer

    def name(self, key: str) -> str:
        return f"{self.prefix}-{key.replace('_', '-')}"

    def alias(self, key: str) -> dict[str, Any]:
        alias: dict[str, Any] = self.lambda_client.get_alias(
            FunctionName=self.name(key), Name="live"
        )
        return alias

    def weights(self, key: str) -> dict[str, float]:
        routing = self.alias(key).get("RoutingConfig") or {}
        return dict(routing.get("AdditionalVersionWeights") or {})

    def publish(self, key: str) -> str:
        """What `pulumi up` does to a changed function: new code, a new version."""
        self.lambda_client.update_function_code(
            FunctionName=self.name(key), ZipFile=_archive(f"{key} {len(self.versions(key))}")
        )
        return str(self.lambda_client.publish_version(FunctionName=self.name(key))["Version"])

    def versions(self, key: str) -> list[str]:
        page = self.lambda_client.list_versions_by_function(FunctionName=self.name(key))
        return [v["Version"] for v in page["Versions"]]


def _archive(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "handler.py", f"def lambda_handler(event, context):\n    return {text!r}\n"
        )
    return buffer.getvalue()


@pytest.fixture
def stack(aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeployedStack]:
    """Every function of a dev stack deployed with `live` on version 1, and its CodeDeploy
    application with one group per function."""
    prefix = AwsEndpoint.unique("ea")
    lambda_client = aws.client("lambda")
    role = aws.client("iam").create_role(
        RoleName=prefix, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    names = [f"{prefix}-{f.key.replace('_', '-')}" for f in FUNCTIONS]
    for function, name in zip(FUNCTIONS, names, strict=True):
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": _archive(function.key)},
            Publish=True,
        )
        lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for name, value in aws.sdk_environment("lambda").items():
        monkeypatch.setenv(name, value)
    with CodeDeployServer(lambda_client, {f"{prefix}-functions": set(names)}) as codedeploy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEDEPLOY", codedeploy.url)
        yield DeployedStack(prefix, lambda_client, codedeploy)


def run(stack: DeployedStack, *flags: str) -> int:
    argv = ["--stack", "dev", "--name-prefix", stack.prefix, "--poll-seconds", "0.01", *flags]
    return shift_traffic.main(argv)


def test_the_changed_functions_shift_to_their_new_version_and_the_others_stay(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in CHANGED:
        assert stack.publish(key) == "2"

    assert run(stack) == 0

    out = capsys.readouterr().out
    for key in CHANGED:
        assert stack.alias(key)["FunctionVersion"] == "2" and stack.weights(key) == {}
        assert f"{stack.name(key)}: InProgress" in out
        assert f"{stack.name(key)}: Succeeded" in out
    assert stack.alias("reminder")["FunctionVersion"] == "1"
    sent = {d.function: d for d in stack.codedeploy.deployments.values()}
    assert set(sent) == {stack.name(key) for key in CHANGED}
    deployment = sent[stack.name("slack_webhook")]
    assert deployment.application == f"{stack.prefix}-functions"
    assert deployment.group == stack.name("slack_webhook")
    assert deployment.appspec == {
        "version": 0.0,
        "Resources": [
            {
                "myLambdaFunction": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": stack.name("slack_webhook"),
                        "Alias": "live",
                        "CurrentVersion": "1",
                        "TargetVersion": "2",
                    },
                }
            }
        ],
    }
    assert "Shifted 2 function(s)." in out


def test_a_shift_that_fails_or_rolls_back_fails_the_run_and_is_named(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in (*CHANGED, "reminder"):
        stack.publish(key)
    stack.codedeploy.outcomes[stack.name("slack_webhook")] = "Stopped"
    stack.codedeploy.outcomes[stack.name("reminder")] = "Failed"

    assert run(stack) == 1

    out = capsys.readouterr().out
    not_shifted = out.split("Not shifted")[1]
    assert stack.name("slack_webhook") in not_shifted and stack.name("reminder") in not_shifted
    assert stack.name("meeting_classifier") not in not_shifted
    assert "One or more alarms have been activated" in not_shifted
    assert stack.alias("slack_webhook")["FunctionVersion"] == "1"
    assert stack.alias("reminder")["FunctionVersion"] == "1"
    assert stack.alias("meeting_classifier")["FunctionVersion"] == "2"


def test_a_shift_still_running_at_the_timeout_is_stopped_and_named(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.publish("reminder")
    stack.codedeploy.outcomes[stack.name("reminder")] = "InProgress"

    assert run(stack, "--timeout-minutes", "0.001") == 1

    out = capsys.readouterr().out
    assert f"{stack.name('reminder')}: TimedOut still InProgress" in out
    [deployment] = stack.codedeploy.deployments.values()
    assert deployment.status == "Stopped"
    assert stack.alias("reminder")["FunctionVersion"] == "1" and stack.weights("reminder") == {}


def test_dry_run_prints_the_appspecs_and_changes_nothing(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.publish("post_meeting")

    assert run(stack, "--dry-run") == 0

    out = capsys.readouterr().out
    appspec = json.loads(out[out.index("{") : out.rindex("}") + 1])
    properties = appspec["Resources"][0]["myLambdaFunction"]["Properties"]
    assert properties == {
        "Name": stack.name("post_meeting"),
        "Alias": "live",
        "CurrentVersion": "1",
        "TargetVersion": "2",
    }
    assert stack.codedeploy.deployments == {}
    assert stack.alias("post_meeting")["FunctionVersion"] == "1"
    assert not stack.alias("post_meeting").get("Description")


def test_rollback_undoes_the_last_run_and_only_that_run(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.publish("meeting_classifier")
    assert run(stack) == 0  # an earlier release: the classifier 1 -> 2
    stack.publish("slack_webhook")
    assert run(stack) == 0  # this release: the webhook 1 -> 2

    assert run(stack, "--rollback") == 0

    assert stack.alias("slack_webhook")["FunctionVersion"] == "1"
    assert stack.alias("meeting_classifier")["FunctionVersion"] == "2"
    assert f"{stack.name('slack_webhook')}: live back from 2 to 1" in capsys.readouterr().out
    assert run(stack, "--rollback") == 0  # again: nothing left to undo
    assert stack.alias("slack_webhook")["FunctionVersion"] == "1"
    assert "Rolled back 0 function(s)." in capsys.readouterr().out


def test_rollback_takes_back_the_canary_share_of_a_shift_left_half_done(
    stack: DeployedStack,
) -> None:
    stack.publish("handle_timeout")
    stack.lambda_client.update_alias(
        FunctionName=stack.name("handle_timeout"),
        Name="live",
        Description="run=20250101T120000.000000Z previous=1 shifted-to=2",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )

    assert run(stack, "--rollback") == 0

    assert stack.alias("handle_timeout")["FunctionVersion"] == "1"
    assert stack.weights("handle_timeout") == {}


def test_a_stack_without_its_codedeploy_application_fails_naming_it(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.codedeploy.applications.clear()
    stack.publish("reminder")

    assert run(stack) == 1

    out = capsys.readouterr().out
    assert f"{stack.name('reminder')}: NotStarted" in out
    assert "No application found" in out


def test_ctrl_c_while_waiting_names_the_deployments_that_go_on_and_how_to_stop_them(
    stack: DeployedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in CHANGED:
        stack.publish(key)

    def press_ctrl_c() -> None:
        stack.codedeploy.on_poll = None
        os.kill(os.getpid(), signal.SIGINT)

    stack.codedeploy.on_poll = press_ctrl_c

    assert run(stack) == 130

    err = capsys.readouterr().err
    assert "these deployments continue in CodeDeploy" in err
    for deployment in stack.codedeploy.deployments.values():
        assert f"{deployment.function}: {deployment.deployment_id}" in err
        assert deployment.status != "Stopped"
    assert len(stack.codedeploy.deployments) == len(CHANGED)
    assert "aws deploy stop-deployment --deployment-id ID --auto-rollback-enabled" in err


def test_a_throttled_poll_is_tried_again_and_the_shift_completes(
    stack: DeployedStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the SDK's own retries spent at once
    for key in CHANGED:
        stack.publish(key)
    stack.codedeploy.throttled_polls = 3

    assert run(stack) == 0

    assert "Shifted 2 function(s)." in capsys.readouterr().out
    for key in CHANGED:
        assert stack.alias(key)["FunctionVersion"] == "2"


def test_polls_throttled_until_the_timeout_stop_the_shift_naming_the_error(
    stack: DeployedStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    stack.publish("reminder")
    stack.codedeploy.throttled_polls = math.inf

    assert run(stack, "--timeout-minutes", "0.001") == 1

    not_shifted = capsys.readouterr().out.split("Not shifted")[1]
    assert f"{stack.name('reminder')}: TimedOut" in not_shifted
    assert "ThrottlingException" in not_shifted
    [deployment] = stack.codedeploy.deployments.values()
    assert deployment.status == "Stopped"
    assert stack.alias("reminder")["FunctionVersion"] == "1"


def test_rollback_after_a_run_stopped_partway_leaves_the_aliases_it_did_not_reach(
    stack: DeployedStack,
    aws: AwsEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack.publish("meeting_classifier")
    assert run(stack) == 0  # an earlier release: the classifier 1 -> 2
    stack.publish("prep_trigger")
    with RefusingLambda(aws.url) as front:
        # The run records itself on the monitor, then is refused on the trigger: it never
        # reaches the classifier, which keeps the earlier release's record.
        front.refused.add(stack.name("prep_trigger"))
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", front.url)
        assert run(stack) == 1
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", aws.url)
    assert "no deployment was started" in capsys.readouterr().err
    assert stack.codedeploy.deployments.keys() == {"d-FAKE00001"}

    assert run(stack, "--rollback") == 0

    out = capsys.readouterr().out
    assert stack.alias("meeting_classifier")["FunctionVersion"] == "2"
    assert f"{stack.name('meeting_classifier')}: skipped" in out and "earlier run" in out
    assert "Rolled back 0 function(s)." in out


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", b"<html><body>Sign in to continue</body></html>"),
        ("application/json", b'{"Hello": "world"}'),
    ],
)
@pytest.mark.parametrize("mode", [(), ("--rollback",)])
def test_a_peer_that_is_not_lambda_is_named_in_one_line(
    content_type: str,
    body: bytes,
    mode: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with canned_aws(200, body, {"content-type": content_type}) as peer:
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", peer.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

        assert shift_traffic.main(["--stack", "dev", "--name-prefix", "ea-peer", *mode]) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"shift_traffic: unexpected answer from the Lambda endpoint {peer.url}")


@pytest.mark.parametrize(
    "flags",
    [
        ("--poll-seconds", "-1"),
        ("--poll-seconds", "0"),
        ("--timeout-minutes", "-1"),
        ("--timeout-minutes", "0"),
        ("--poll-seconds", "nan"),
    ],
)
def test_a_wait_that_is_not_positive_is_refused_before_anything_starts(
    flags: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        shift_traffic.main(["--stack", "dev", *flags])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert flags[0] in err and "greater than 0" in err


def test_a_bad_name_prefix_is_refused_as_the_stack_file_would_refuse_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert shift_traffic.main(["--stack", "dev", "--name-prefix", "Prod_Stack"]) == 1

    err = capsys.readouterr().err
    assert "--name-prefix: exec-assistant:namePrefix:" in err
    assert "4-32 of a-z 0-9 -" in err
