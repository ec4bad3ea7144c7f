"""What running the estate needs: logs that expire and functions that are traced, on arm64."""

from __future__ import annotations

from exec_assistant_policies.model import ResourceRule
from exec_assistant_policies.props import Props, is_set, mapping, strings


def _log_group_violations(resource_type: str, props: Props) -> list[str]:
    if is_set(props, "retentionInDays") and props["retentionInDays"] != 0:
        return []
    return ["retentionInDays is not set: the log would be kept (and paid for) for ever"]


LOG_RETENTION = ResourceRule(
    name="log-group-retention",
    description="Every CloudWatch log group has a retention period.",
    resource_types=frozenset({"aws:cloudwatch/logGroup:LogGroup"}),
    check=_log_group_violations,
)


def _function_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    mode = mapping(props.get("tracingConfig")).get("mode")
    if mode != "Active":
        found.append(f"tracing mode {mode!r}: set tracingConfig mode Active (X-Ray)")
    architectures = strings(props.get("architectures"))
    if architectures != ["arm64"]:
        found.append(f"architectures {architectures or ['x86_64']}: build and run on arm64")
    return found


LAMBDA_TRACED_ARM64 = ResourceRule(
    name="lambda-traced-arm64",
    description="Every Lambda function has active X-Ray tracing and runs on arm64.",
    resource_types=frozenset({"aws:lambda/function:Function"}),
    check=_function_violations,
)
