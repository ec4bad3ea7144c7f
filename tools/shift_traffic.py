"""Move every function's `live` alias to the version `pulumi up` just published, through
CodeDeploy (the stack's canary, linear or all-at-once), and wait until every shift has
finished: a shift that fails, or that CodeDeploy rolls back on an alarm, makes the exit
status 1 and is named.

    python tools/shift_traffic.py --stack prod              # shift, wait, report
    python tools/shift_traffic.py --stack prod --dry-run    # print the AppSpecs only
    python tools/shift_traffic.py --stack prod --rollback   # undo this tool's last shift

Before it starts a deployment, the tool writes the alias' description as
`run=20250101T120000.000000Z previous=6 shifted-to=7` (and `... previous=7 shifted-to=7` on a
function it leaves alone), the run being the UTC time it started, so `--rollback` knows which
version each alias held before the last run: it points back every alias that is still on (or
partly on) the version that run shifted it to, and leaves the rest. An alias whose record is
from an earlier run (the last run stopped before it reached it) is named and left alone.

Interrupted (Ctrl-C) while it waits, the tool names the deployments still running: they go on
in CodeDeploy, and it prints the command that stops one; the exit status is then 130.
The stack's name prefix and region are read from `infra/Pulumi.<stack>.yaml`.
Credentials and endpoints are boto3's own (AWS_PROFILE, AWS_ENDPOINT_URL_LAMBDA...).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from exec_assistant.blue_green_names import (
    LIVE_ALIAS,
    codedeploy_application_name,
    deployed_function_name,
    deployment_group_name,
)
from exec_assistant.domain.errors import ConfigError
from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.stack_settings import (
    STACKS,
    StackSettings,
    settings_of_stack_file,
    stack_settings,
)

INFRA = Path(__file__).resolve().parent.parent / "infra"
FINISHED = frozenset({"Succeeded", "Failed", "Stopped"})
"""CodeDeploy's final deployment statuses."""
_RECORD = re.compile(r"^run=(\d{8}T\d{6}\.\d{6}Z) previous=(\d+) shifted-to=(\d+)$")
INTERRUPTED = 130
"""The exit status of a run stopped by Ctrl-C (128 + SIGINT), as a shell reports it."""

Print = Callable[[str], None]


class ShiftError(Exception):
    """The stack is not in a state to shift: the message says what to do."""


class Interrupted(Exception):
    """Ctrl-C stopped the run; `running` are the deployments it had started and not seen
    finish (CodeDeploy carries them on)."""

    def __init__(self, running: Mapping[str, Shift]) -> None:
        super().__init__("interrupted")
        self.running = dict(running)


@dataclass(frozen=True)
class FunctionRef:
    """One deployed function and the CodeDeploy group that shifts it."""

    name: str
    group: str


@dataclass(frozen=True)
class Shift:
    """The `live` alias of `function` moves from `current` to `target`."""

    function: FunctionRef
    current: str
    target: str

    def appspec(self) -> str:
        """CodeDeploy's AppSpec for one Lambda function (JSON, which it reads as YAML too)."""
        return json.dumps(
            {
                "version": 0.0,
                "Resources": [
                    {
                        "myLambdaFunction": {
                            "Type": "AWS::Lambda::Function",
                            "Properties": {
                                "Name": self.function.name,
                                "Alias": LIVE_ALIAS,
                                "CurrentVersion": self.current,
                                "TargetVersion": self.target,
                            },
                        }
                    }
                ],
            },
            indent=2,
        )


@dataclass(frozen=True)
class Outcome:
    function: FunctionRef
    status: str
    reason: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


def run_id(now: datetime | None = None) -> str:
    """A run's id: the UTC time it started, to the microsecond, so that ids sort as runs do."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")


def record(run: str, previous: str, shifted_to: str) -> str:
    """The alias description `--rollback` reads: `run=<id> previous=6 shifted-to=7`."""
    return f"run={run} previous={previous} shifted-to={shifted_to}"


def _unexpected(lambda_client: Any, operation: str, answer: object) -> ShiftError:
    shown = answer
    if isinstance(answer, dict):
        shown = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    return ShiftError(
        f"unexpected answer from the Lambda endpoint {lambda_client.meta.endpoint_url} to "
        f"{operation}: {str(shown)[:200]!r}"
    )


def live_version(lambda_client: Any, function_name: str) -> tuple[str, dict[str, Any]]:
    """The version the function's `live` alias points at, and the alias."""
    alias = lambda_client.get_alias(FunctionName=function_name, Name=LIVE_ALIAS)
    version = alias.get("FunctionVersion") if isinstance(alias, dict) else None
    if not isinstance(version, str) or not version:
        raise _unexpected(lambda_client, "GetAlias", alias)
    return version, alias


def stack_functions(settings: StackSettings) -> list[FunctionRef]:
    return [
        FunctionRef(deployed_function_name(settings, f), deployment_group_name(settings, f))
        for f in FUNCTIONS
    ]


def latest_version(lambda_client: Any, function_name: str) -> str:
    """The highest published version number ($LATEST is not a version CodeDeploy shifts to)."""
    versions: list[int] = []
    for page in lambda_client.get_paginator("list_versions_by_function").paginate(
        FunctionName=function_name
    ):
        listed = page.get("Versions") if isinstance(page, dict) else None
        if not isinstance(listed, list) or not all(
            isinstance(v, dict) and isinstance(v.get("Version"), str) for v in listed
        ):
            raise _unexpected(lambda_client, "ListVersionsByFunction", page)
        versions += [int(v["Version"]) for v in listed if v["Version"].isdigit()]
    if not versions:
        raise ShiftError(f"{function_name} has no published version: run `pulumi up` first")
    return str(max(versions))


def plan(lambda_client: Any, functions: Sequence[FunctionRef]) -> list[Shift]:
    """Per function, its alias' version and the latest; the same twice when up to date."""
    shifts: list[Shift] = []
    for function in functions:
        current, _ = live_version(lambda_client, function.name)
        shifts.append(Shift(function, current, latest_version(lambda_client, function.name)))
    return shifts


def start(codedeploy: Any, application: str, shift: Shift) -> str:
    content = shift.appspec()
    response = codedeploy.create_deployment(
        applicationName=application,
        deploymentGroupName=shift.function.group,
        description=f"{LIVE_ALIAS}: version {shift.current} to {shift.target}",
        revision={
            "revisionType": "AppSpecContent",
            "appSpecContent": {
                "content": content,
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
            },
        },
    )
    return str(response["deploymentId"])


def wait(
    codedeploy: Any,
    deployments: dict[str, Shift],
    *,
    poll_seconds: float,
    timeout_seconds: float,
    out: Print,
) -> list[Outcome]:
    """Poll every deployment until it finishes, printing each change of status. A poll that
    fails (throttled, a passing network error) is tried again at the next round. Those still
    running at the timeout are stopped (CodeDeploy then rolls them back) and reported, with
    the poll's error if it failed until then. Ctrl-C raises `Interrupted` with those still
    running."""
    seen: dict[str, str] = {}
    poll_errors: dict[str, str] = {}
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + timeout_seconds
    pending = dict(deployments)
    try:
        while pending:
            for deployment_id, shift in list(pending.items()):
                try:
                    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
                except (ClientError, BotoCoreError) as error:
                    poll_errors[deployment_id] = str(error)
                    continue
                poll_errors.pop(deployment_id, None)
                status = str(info["status"])
                if seen.get(deployment_id) != status:
                    seen[deployment_id] = status
                    out(f"{shift.function.name}: {status} ({deployment_id})")
                if status in FINISHED:
                    del pending[deployment_id]
                    outcomes.append(Outcome(shift.function, status, _reason(info)))
            if not pending:
                break
            if time.monotonic() >= deadline:
                for deployment_id, shift in pending.items():
                    if deployment_id in seen:
                        reason = f"still {seen[deployment_id]} after {timeout_seconds:g} s"
                    else:
                        reason = f"no status read in {timeout_seconds:g} s"
                    if deployment_id in poll_errors:
                        reason += f" (its last poll failed: {poll_errors[deployment_id]})"
                    reason += _stop(codedeploy, deployment_id)
                    outcomes.append(Outcome(shift.function, "TimedOut", reason))
                break
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        raise Interrupted(pending) from None
    return outcomes


def _stop(codedeploy: Any, deployment_id: str) -> str:
    """Stop a deployment (CodeDeploy rolls it back): how that went, for the report."""
    try:
        codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    except (ClientError, BotoCoreError) as error:
        return f"; it could not be stopped ({error}): {stop_command(deployment_id)}"
    return "; stopped"


def stop_command(deployment_id: str) -> str:
    return f"aws deploy stop-deployment --deployment-id {deployment_id} --auto-rollback-enabled"


def _reason(info: dict[str, Any]) -> str:
    parts = [
        str(info.get("errorInformation", {}).get("message", "")),
        str(info.get("rollbackInfo", {}).get("rollbackMessage", "")),
    ]
    return "; ".join(part for part in parts if part)


def shift_all(
    lambda_client: Any,
    codedeploy: Any,
    settings: StackSettings,
    *,
    dry_run: bool,
    poll_seconds: float,
    timeout_seconds: float,
    out: Print,
) -> int:
    planned = plan(lambda_client, stack_functions(settings))
    shifts = [shift for shift in planned if shift.current != shift.target]
    for shift in planned:
        if shift.current == shift.target:
            out(f"{shift.function.name}: {LIVE_ALIAS} is on the latest version ({shift.target})")
    if dry_run:
        for shift in shifts:
            out(f"{shift.function.name}: would shift {shift.current} -> {shift.target}")
            out(shift.appspec())
        return 0
    # Every alias records this run, the unchanged ones too: --rollback then undoes this run
    # only, never an earlier one. Stopped partway, the aliases not reached keep an earlier
    # run's id, and --rollback leaves them alone.
    run = run_id()
    try:
        for shift in planned:
            lambda_client.update_alias(
                FunctionName=shift.function.name,
                Name=LIVE_ALIAS,
                Description=record(run, shift.current, shift.target),
            )
    except (ClientError, BotoCoreError) as error:
        raise ShiftError(
            f"{shift.function.name}: the run could not be recorded on its alias, so no "
            f"deployment was started: {error}"
        ) from None
    application = codedeploy_application_name(settings)
    deployments: dict[str, Shift] = {}
    outcomes: list[Outcome] = []
    try:
        for shift in shifts:
            try:
                deployments[start(codedeploy, application, shift)] = shift
            except ClientError as error:
                outcomes.append(Outcome(shift.function, "NotStarted", str(error)))
                continue
            out(f"{shift.function.name}: shifting {shift.current} -> {shift.target}")
    except KeyboardInterrupt:
        raise Interrupted(deployments) from None
    if not shifts:
        out("Nothing to shift.")
        return 0
    outcomes += wait(
        codedeploy, deployments, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds, out=out
    )
    failed = [o for o in outcomes if not o.succeeded]
    if failed:
        out("Not shifted (the alias stays on, or went back to, its previous version):")
        for outcome in failed:
            out(f"  {outcome.function.name}: {outcome.status} {outcome.reason}".rstrip())
        return 1
    out(f"Shifted {len(outcomes)} function(s).")
    return 0


def rollback_all(lambda_client: Any, settings: StackSettings, *, out: Print) -> int:
    """Point each alias back to the version it held before this tool's last run. Only the
    aliases carrying the latest run's id are touched: one with an earlier id was not reached
    by that run, and its record would undo an older release."""
    recorded: list[tuple[FunctionRef, str, dict[str, Any], re.Match[str]]] = []
    for function in stack_functions(settings):
        version, alias = live_version(lambda_client, function.name)
        found = _RECORD.match(str(alias.get("Description") or ""))
        if found is None:
            out(f"{function.name}: no shift recorded; left on {version}")
            continue
        recorded.append((function, version, alias, found))
    latest = max((found.group(1) for *_, found in recorded), default="")
    moved = 0
    for function, version, alias, found in recorded:
        run, previous, shifted_to = found.groups()
        if run != latest:
            out(
                f"{function.name}: skipped, its record is from the earlier run {run}, not the "
                f"latest run {latest}; left on {version}"
            )
            continue
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        on_shifted = version == shifted_to or shifted_to in weights
        if previous == shifted_to or not on_shifted:
            continue
        lambda_client.update_alias(
            FunctionName=function.name,
            Name=LIVE_ALIAS,
            FunctionVersion=previous,
            RoutingConfig={"AdditionalVersionWeights": {}},
            Description=record(run, previous, previous),
        )
        moved += 1
        out(f"{function.name}: {LIVE_ALIAS} back from {shifted_to} to {previous}")
    out(f"Rolled back {moved} function(s).")
    return 0


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not greater than 0")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, choices=STACKS)
    parser.add_argument(
        "--name-prefix", help="the stack's namePrefix, when it is not the one in its stack file"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the AppSpecs; change nothing")
    mode.add_argument(
        "--rollback", action="store_true", help="point every alias back to its previous version"
    )
    parser.add_argument("--poll-seconds", type=_positive, default=15.0)
    parser.add_argument("--timeout-minutes", type=_positive, default=30.0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def out(line: str) -> None:
        print(line, flush=True)

    try:
        settings = settings_of_stack_file(INFRA / f"Pulumi.{args.stack}.yaml")
        if args.name_prefix is not None:
            values = settings.model_dump(by_alias=True) | {"namePrefix": args.name_prefix}
            settings = stack_settings(values, "--name-prefix")
        session = boto3.Session(region_name=settings.region)
        lambda_client = session.client("lambda")
        if args.rollback:
            return rollback_all(lambda_client, settings, out=out)
        return shift_all(
            lambda_client,
            session.client("codedeploy"),
            settings,
            dry_run=args.dry_run,
            poll_seconds=args.poll_seconds,
            timeout_seconds=args.timeout_minutes * 60,
            out=out,
        )
    except (ConfigError, ShiftError, ClientError, BotoCoreError) as error:
        print(f"shift_traffic: {error}", file=sys.stderr)
        return 1
    except Interrupted as interrupted:
        report_interrupted(interrupted.running)
        return INTERRUPTED
    except KeyboardInterrupt:
        if args.rollback:  # the aliases moved back now carry previous=shifted-to: skipped then
            print("shift_traffic: interrupted; run --rollback again to finish", file=sys.stderr)
        else:
            print("shift_traffic: interrupted; no deployment was started", file=sys.stderr)
        return INTERRUPTED


def report_interrupted(running: Mapping[str, Shift]) -> None:
    def err(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if not running:
        err("shift_traffic: interrupted; no deployment was started")
        return
    err("shift_traffic: interrupted; these deployments continue in CodeDeploy:")
    for deployment_id, shift in running.items():
        err(f"  {shift.function.name}: {deployment_id} ({shift.current} -> {shift.target})")
    err("To stop one (CodeDeploy rolls it back): " + stop_command("ID"))


if __name__ == "__main__":
    sys.exit(main())
