"""A fake of CodeDeploy's JSON API on 127.0.0.1, for Lambda deployments, that moves the
aliases of a Lambda endpoint (moto's) as CodeDeploy would.

    with CodeDeployServer(lambda_client, {"exec-assistant-dev-functions": groups}) as codedeploy:
        codedeploy.outcomes["exec-assistant-dev-reminder"] = "Failed"
        # AWS_ENDPOINT_URL_CODEDEPLOY=codedeploy.url

What it does as CodeDeploy does:
- `POST /` with `X-Amz-Target: CodeDeploy_20141006.<Operation>` and a JSON body;
  errors are HTTP 400 with `{"__type": "<Exception>", "message": ...}`.
- CreateDeployment: the application and group must exist (ApplicationDoesNotExistException,
  DeploymentGroupDoesNotExistException); the revision must be AppSpecContent whose sha256, if
  given, matches, with `version: 0.0` and one AWS::Lambda::Function resource naming Name,
  Alias, CurrentVersion and TargetVersion (InvalidRevisionException); one deployment at a
  time per group (DeploymentLimitExceededException). Stricter than the real service, this
  fake also refuses an AppSpec whose CurrentVersion is not the alias' version, so that a
  stale plan shows in a test.
- GetDeployment: the first call answers InProgress and puts 10% of the alias' traffic on the
  target (the canary's first step); the next answers the outcome set for the function in
  `outcomes` (Succeeded by default): Succeeded moves the alias to the target, Failed and
  Stopped move it back whole to CurrentVersion and carry `rollbackInfo` and
  `errorInformation`, as an alarm-stopped deployment does; InProgress keeps it running (a
  long canary). While `throttled_polls` is above 0, a call is refused with
  ThrottlingException instead (and counts one down), as a busy account's API is.
- `on_poll`, if set, is called as a GetDeployment call arrives (before it is answered): where
  a test presses Ctrl-C while the tool waits.
- StopDeployment: the deployment is Stopped and rolled back.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml

PREFIX = "CodeDeploy_20141006."
CANARY_WEIGHT = 0.1
FINISHED = ("Succeeded", "Failed", "Stopped")


class CodeDeployError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class LambdaDeployment:
    deployment_id: str
    application: str
    group: str
    function: str
    alias: str
    current: str
    target: str
    appspec: dict[str, Any]
    status: str = "Created"
    polls: int = 0


class CodeDeployServer:
    def __init__(self, lambda_client: Any, applications: Mapping[str, set[str]]) -> None:
        self.lambda_client = lambda_client
        self.applications = {name: set(groups) for name, groups in applications.items()}
        self.outcomes: dict[str, str] = {}
        """The final status of each function's next deployment; Succeeded if not set."""
        self.throttled_polls: float = 0
        """How many of the next GetDeployment calls are throttled (`math.inf`: all)."""
        self.on_poll: Callable[[], None] | None = None
        self.deployments: dict[str, LambdaDeployment] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CodeDeployServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if operation == "CreateDeployment":
                return {"deploymentId": self._create(body)}
            if operation == "GetDeployment":
                if self.on_poll is not None:
                    self.on_poll()
                if self.throttled_polls > 0:
                    self.throttled_polls -= 1
                    raise CodeDeployError("ThrottlingException", "Rate exceeded")
                return {"deploymentInfo": self._poll(self._find(body.get("deploymentId")))}
            if operation == "StopDeployment":
                deployment = self._find(body.get("deploymentId"))
                if deployment.status not in FINISHED:
                    self._finish(deployment, "Stopped")
                return {"status": "Succeeded", "statusMessage": "stopped"}
        raise CodeDeployError("UnknownOperationException", f"{operation} is not faked")

    def _create(self, body: dict[str, Any]) -> str:
        application = str(body.get("applicationName", ""))
        group = str(body.get("deploymentGroupName", ""))
        if application not in self.applications:
            raise CodeDeployError(
                "ApplicationDoesNotExistException", f"No application found for name: {application}"
            )
        if group not in self.applications[application]:
            raise CodeDeployError(
                "DeploymentGroupDoesNotExistException",
                f"No Deployment Group found for name: {group}",
            )
        if any(d.group == group and d.status not in FINISHED for d in self.deployments.values()):
            raise CodeDeployError(
                "DeploymentLimitExceededException",
                f"The Deployment Group '{group}' already has an active Deployment.",
            )
        appspec, properties = _lambda_appspec(body.get("revision") or {})
        alias = self.lambda_client.get_alias(
            FunctionName=properties["Name"], Name=properties["Alias"]
        )
        if alias["FunctionVersion"] != str(properties["CurrentVersion"]):
            raise CodeDeployError(
                "InvalidRevisionException",
                f"The alias is on version {alias['FunctionVersion']}, "
                f"not CurrentVersion {properties['CurrentVersion']}",
            )
        deployment_id = f"d-FAKE{next(self._ids):05d}"
        self.deployments[deployment_id] = LambdaDeployment(
            deployment_id,
            application,
            group,
            str(properties["Name"]),
            str(properties["Alias"]),
            str(properties["CurrentVersion"]),
            str(properties["TargetVersion"]),
            appspec,
        )
        return deployment_id

    def _find(self, deployment_id: object) -> LambdaDeployment:
        if deployment_id not in self.deployments:
            raise CodeDeployError(
                "DeploymentDoesNotExistException", f"Deployment {deployment_id} does not exist"
            )
        return self.deployments[str(deployment_id)]

    def _poll(self, deployment: LambdaDeployment) -> dict[str, Any]:
        deployment.polls += 1
        if deployment.status == "Created":
            deployment.status = "InProgress"
            self._route(deployment, deployment.current, {deployment.target: CANARY_WEIGHT})
        elif deployment.status == "InProgress":
            outcome = self.outcomes.get(deployment.function, "Succeeded")
            if outcome != "InProgress":
                self._finish(deployment, outcome)
        info: dict[str, Any] = {
            "applicationName": deployment.application,
            "deploymentGroupName": deployment.group,
            "deploymentId": deployment.deployment_id,
            "status": deployment.status,
            "computePlatform": "Lambda",
        }
        if deployment.status in ("Failed", "Stopped"):
            info["errorInformation"] = {
                "code": "ALARM_ACTIVE",
                "message": f"One or more alarms have been activated: {deployment.function}",
            }
            info["rollbackInfo"] = {"rollbackMessage": "Automatic rollback triggered"}
        return info

    def _finish(self, deployment: LambdaDeployment, status: str) -> None:
        deployment.status = status
        version = deployment.target if status == "Succeeded" else deployment.current
        self._route(deployment, version, {})

    def _route(self, deployment: LambdaDeployment, version: str, weights: dict[str, float]) -> None:
        self.lambda_client.update_alias(
            FunctionName=deployment.function,
            Name=deployment.alias,
            FunctionVersion=version,
            RoutingConfig={"AdditionalVersionWeights": weights},
        )


def _lambda_appspec(revision: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if revision.get("revisionType") != "AppSpecContent":
        raise CodeDeployError("InvalidRevisionException", "Lambda revisions are AppSpecContent")
    content = revision.get("appSpecContent") or {}
    text = str(content.get("content", ""))
    sha = content.get("sha256")
    if sha and sha != hashlib.sha256(text.encode()).hexdigest():
        raise CodeDeployError("InvalidRevisionException", "The AppSpec's sha256 does not match")
    try:
        appspec = yaml.safe_load(text)
        [resource] = appspec["Resources"]
        [spec] = resource.values()
        properties = spec["Properties"]
        valid = (
            appspec["version"] == 0.0
            and spec["Type"] == "AWS::Lambda::Function"
            and all(properties.get(k) for k in ("Name", "Alias", "CurrentVersion", "TargetVersion"))
        )
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError):
        valid = False
    if not valid:
        raise CodeDeployError("InvalidRevisionException", f"Not a Lambda AppSpec: {text[:200]}")
    return appspec, properties


class _Handler(BaseHTTPRequestHandler):
    fake: CodeDeployServer

    def do_POST(self) -> None:
        target = self.headers.get("X-Amz-Target", "")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            if not target.startswith(PREFIX):
                raise CodeDeployError("UnknownOperationException", f"no target {target!r}")
            body = json.loads(self.rfile.read(length) or b"{}")
            self._send(200, self.fake.answer(target.removeprefix(PREFIX), body))
        except CodeDeployError as error:
            self._send(400, {"__type": error.code, "message": str(error)})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "fake-request")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass
