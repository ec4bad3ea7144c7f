"""The policy pack as the Pulumi engine runs it: `infra/policy/__main__.py` starts the analyzer
(a gRPC server that prints its port), and the engine asks it for its policies and to analyze
resources. Here a gRPC client plays the engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from exec_assistant_policies import RULE_NAMES, STACK_RULES

PACK = Path(__file__).resolve().parents[2] / "infra" / "policy"
MANDATORY = analyzer_pb2.EnforcementLevel.MANDATORY
URN = "urn:pulumi:prod::exec-assistant::{type}::{name}"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    # The pack's own folder is all it needs on the path: the engine runs it from there.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "__main__.py"],
        cwd=PACK,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        port = process.stdout.readline().decode().strip()
        if not port:
            process.wait(10)
            pytest.fail(f"the pack did not start: {process.stderr.read().decode()}")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
        process.stderr.close()


def properties(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def analyze(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, type_: str, name: str, props: dict[str, Any]
) -> list[analyzer_pb2.AnalyzeDiagnostic]:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_, name=name, urn=URN.format(type=type_, name=name), properties=properties(props)
    )
    return list(analyzer.Analyze(request).diagnostics)


def test_the_pack_offers_every_rule_as_a_mandatory_policy(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "exec-assistant-security"
    offered = {policy.name: policy for policy in info.policies}
    assert list(offered) == list(RULE_NAMES)
    assert {policy.enforcementLevel for policy in info.policies} == {MANDATORY}
    stack_type = analyzer_pb2.PolicyType.POLICY_TYPE_STACK
    assert {name for name, p in offered.items() if p.policy_type == stack_type} == {
        rule.name for rule in STACK_RULES
    }


def test_a_resource_that_breaks_a_rule_gets_a_mandatory_diagnostic(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    function = "aws:lambda/function:Function"
    good = {"tracingConfig": {"mode": "Active"}, "architectures": ["arm64"]}
    assert analyze(analyzer, function, "webhook", good) == []

    found = analyze(analyzer, function, "webhook", {**good, "architectures": ["x86_64"]})
    assert [(d.policyName, d.enforcementLevel) for d in found] == [
        ("lambda-traced-arm64", MANDATORY)
    ]
    assert "build and run on arm64" in found[0].message


def test_a_key_not_known_until_deployment_counts_as_set(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    group = {"retentionInDays": 30, "kmsKeyId": UNKNOWN_STRING_VALUE}
    assert analyze(analyzer, "aws:cloudwatch/logGroup:LogGroup", "logs", group) == []


def test_a_policy_not_known_until_deployment_is_checked_at_deployment(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    role_policy = {"role": "r", "policy": UNKNOWN_STRING_VALUE}
    found = analyze(analyzer, "aws:iam/rolePolicy:RolePolicy", "data", role_policy)
    assert [(d.policyName, d.enforcementLevel) for d in found] == [
        ("iam-least-privilege", analyzer_pb2.EnforcementLevel.ADVISORY)
    ]
    assert "during preview" in found[0].message


def test_a_bucket_without_a_public_access_block_is_named_by_its_urn(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    bucket = "aws:s3/bucket:Bucket"
    urn = URN.format(type=bucket, name="documents")
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=bucket,
                name="documents",
                urn=urn,
                properties=properties({"bucket": "ea-documents", "id": "ea-documents"}),
            )
        ]
    )
    found = list(analyzer.AnalyzeStack(request).diagnostics)
    assert sorted((d.policyName, d.urn, d.enforcementLevel) for d in found) == [
        ("s3-encryption", urn, MANDATORY),
        ("s3-public-access-blocked", urn, MANDATORY),
    ]
