"""Compute and Orchestration under Pulumi's mocks with the few inputs they take: a key, the
tables, the documents bucket, the secrets and the network, as plain resources (the other
components are not part of this test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from exec_assistant.adapters.aws.tables import (
    CHAT_SESSIONS,
    FOLLOW_UPS,
    IDEMPOTENCY,
    MEETINGS,
    STATE,
)
from exec_assistant.stack_settings import PROJECT, StackSettings
from exec_assistant_infra.stack import StackContext

from pulumi_program import ACCOUNT_ID, Deployment, RecordingMocks


@dataclass
class StandInKeys:
    key: aws.kms.Key


@dataclass
class StandInStorage:
    tables: dict[str, aws.dynamodb.Table]
    documents_bucket: aws.s3.Bucket


@dataclass
class StandInSecrets:
    slack: aws.secretsmanager.Secret
    calendar: aws.secretsmanager.Secret
    integrations: aws.secretsmanager.Secret
    web: aws.secretsmanager.Secret


@dataclass
class StandInNetwork:
    vpc: aws.ec2.Vpc
    private_subnet_ids: list[pulumi.Output[str]]
    lambda_security_group: aws.ec2.SecurityGroup


@dataclass
class StandIns:
    stack: StackContext
    web_url: str
    keys: StandInKeys
    storage: StandInStorage
    secrets: StandInSecrets
    network: StandInNetwork | None = field(default=None)


WEB_URL = "https://d-distribution.cloudfront.net"
"""The edge's address, as the program gives it to Compute."""


def stand_ins(settings: StackSettings) -> StandIns:
    stack = StackContext(settings, ACCOUNT_ID)
    tables = {
        t.environment_variable: aws.dynamodb.Table(
            t.default_name,
            name=stack.name(t.default_name.removeprefix("exec-assistant-")),
            hash_key=t.hash_key.name,
            attributes=[{"name": t.hash_key.name, "type": t.hash_key.type}],
            billing_mode="PAY_PER_REQUEST",
        )
        for t in (MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE, IDEMPOTENCY)
    }
    bucket = aws.s3.Bucket("documents", bucket=stack.name(f"documents-{ACCOUNT_ID}"))
    secrets = StandInSecrets(
        aws.secretsmanager.Secret("slack", name=f"{settings.name_prefix}/slack"),
        aws.secretsmanager.Secret("calendar", name=f"{settings.name_prefix}/calendar"),
        aws.secretsmanager.Secret("integrations", name=f"{settings.name_prefix}/integrations"),
        aws.secretsmanager.Secret("web", name=f"{settings.name_prefix}/web"),
    )
    network = None
    if settings.vpc:
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        subnets = [
            aws.ec2.Subnet(f"private-{n}", vpc_id=vpc.id, cidr_block=f"10.0.1{n}.0/24").id
            for n in (1, 2)
        ]
        group = aws.ec2.SecurityGroup("lambda-sg", vpc_id=vpc.id)
        network = StandInNetwork(vpc, subnets, group)
    return StandIns(
        stack,
        WEB_URL,
        StandInKeys(aws.kms.Key("key")),
        StandInStorage(tables, bucket),
        secrets,
        network,
    )


def run_under_mocks(
    settings: StackSettings, build: Callable[[StandIns], object], stack: str = "prod"
) -> Deployment:
    """`build` run with the stand-ins under the mocks; every resource declared."""
    deployment = Deployment(stack, settings.region)
    pulumi.runtime.set_all_config({})
    pulumi.runtime.set_mocks(
        RecordingMocks(deployment), project=PROJECT, stack=stack, preview=False
    )

    @pulumi.runtime.test
    def program() -> None:
        build(stand_ins(settings))

    program()
    return deployment


def settings_with_artifacts(artifacts: Path, **values: object) -> StackSettings:
    return StackSettings.model_validate({"artifactsDir": str(artifacts), **values})
