"""IAM policy documents as data: statements are dicts, and a document with Outputs in it is
serialised by `pulumi.Output.json_dumps`, never by string formatting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

Statement = dict[str, Any]


def allow(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    *,
    sid: str | None = None,
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    statement: Statement = {
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources),
    }
    if sid:
        statement["Sid"] = sid
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def service_principal_allow(
    service: str,
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    *,
    sid: str,
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    statement = allow(actions, resources, sid=sid, condition=condition)
    statement["Principal"] = {"Service": service}
    return statement


def document(*statements: Statement) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role(service: str, *, condition: Mapping[str, Any] | None = None) -> pulumi.Output[str]:
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = dict(condition)
    return document(statement)
