"""The components edge, monitoring and recovery build on, as small stand-ins of real AWS
resources under Pulumi's mocks: the attributes those components read, nothing more.

`declare(stack, overrides, build)` runs `build(context, inputs)` under the mocks with a stack's
config file (plus `overrides`, camelCase keys) and returns every resource declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from exec_assistant.adapters.aws.tables import TABLES
from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.stack_settings import PROJECT, config_values, stack_settings
from exec_assistant_infra.stack import LIVE_ALIAS, StackContext

from pulumi_program import ACCOUNT_ID, Deployment, RecordingMocks, stack_config

ROTATION_FUNCTION = "secret_rotation"
"""Built by Compute once the rotation function is among FUNCTIONS; the stand-in has it now."""


class StandInKeys(pulumi.ComponentResource):
    def __init__(self, stack: StackContext) -> None:
        super().__init__("test:stand-in:Keys", "keys")
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key("key", enable_key_rotation=True, opts=child)
        self.dr_provider: aws.Provider | None = None
        self.replica_key: aws.kms.Key | None = None
        if stack.settings.replicate_to_dr:
            self.dr_provider = aws.Provider("dr", region=stack.settings.dr_region, opts=child)
            self.replica_key = aws.kms.Key(
                "replica-key",
                enable_key_rotation=True,
                opts=pulumi.ResourceOptions(parent=self, provider=self.dr_provider),
            )
        self.register_outputs({})


class StandInStorage(pulumi.ComponentResource):
    def __init__(self, stack: StackContext) -> None:
        super().__init__("test:stand-in:Storage", "storage")
        child = pulumi.ResourceOptions(parent=self)
        self.tables = {
            definition.environment_variable: aws.dynamodb.Table(
                definition.default_name,
                name=stack.name(definition.default_name.removeprefix("exec-assistant-")),
                hash_key=definition.hash_key.name,
                opts=child,
            )
            for definition in TABLES
        }

        def bucket(suffix: str) -> aws.s3.Bucket:
            return aws.s3.Bucket(
                suffix, bucket=f"{stack.name(suffix)}-{stack.account_id}", opts=child
            )

        self.documents_bucket = bucket("documents")
        self.sessions_bucket = bucket("sessions")
        self.audit_bucket = bucket("audit")
        self.access_logs_bucket = bucket("access-logs")
        self.register_outputs({})


class StandInSecrets(pulumi.ComponentResource):
    def __init__(self, stack: StackContext) -> None:
        super().__init__("test:stand-in:Secrets", "secrets")
        child = pulumi.ResourceOptions(parent=self)
        self.slack = aws.secretsmanager.Secret(
            "slack", name=f"{stack.settings.name_prefix}/slack", opts=child
        )
        self.calendar = aws.secretsmanager.Secret(
            "calendar", name=f"{stack.settings.name_prefix}/calendar", opts=child
        )
        self.replicas_of_primary = stack.settings.environment == "dr"
        # Both given by the stack's config, as a deployment that rotates them has them.
        self.values = {
            name: aws.secretsmanager.SecretVersion(
                f"{name}-value", secret_id=secret.id, secret_string="{}", opts=child
            )
            for name, secret in (("slack", self.slack), ("calendar", self.calendar))
        }
        self.register_outputs({})


class StandInCompute(pulumi.ComponentResource):
    def __init__(self, stack: StackContext) -> None:
        super().__init__("test:stand-in:Compute", "compute")
        child = pulumi.ResourceOptions(parent=self)
        names = {function.key: stack.function_name(function.key) for function in FUNCTIONS}
        names[ROTATION_FUNCTION] = stack.name("secret-rotation")
        self.functions = {
            key: aws.lambda_.Function(
                f"function-{key}",
                name=name,
                role=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
                runtime="python3.11",
                handler=f"exec_assistant.handlers.{key}.lambda_handler",
                opts=child,
            )
            for key, name in names.items()
        }
        self.aliases = {
            key: aws.lambda_.Alias(
                f"alias-{key}",
                name=LIVE_ALIAS,
                function_name=function.name,
                function_version=function.version,
                opts=child,
            )
            for key, function in self.functions.items()
        }
        self.dead_letter_queue = aws.sqs.Queue(
            "dead-letters", name=stack.name("dead-letters"), opts=child
        )
        self.register_outputs({})


class StandInOrchestration(pulumi.ComponentResource):
    def __init__(self, stack: StackContext) -> None:
        super().__init__("test:stand-in:Orchestration", "orchestration")
        self.state_machine = aws.sfn.StateMachine(
            "state-machine",
            name=stack.state_machine_name,
            definition="{}",
            role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/state-machine",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


@dataclass
class StandIns:
    keys: StandInKeys
    storage: StandInStorage
    secrets: StandInSecrets
    compute: StandInCompute
    orchestration: StandInOrchestration


def declare(
    stack: str,
    build: Callable[[StackContext, StandIns], Any],
    overrides: dict[str, Any] | None = None,
) -> Deployment:
    """Every resource `build` declares (and the stand-ins'), for the stack's config file."""
    config = stack_config(stack)
    values = config_values(config)
    values.update(overrides or {})
    settings = stack_settings(values, f"stack {stack}")
    deployment = Deployment(stack, settings.region)
    pulumi.runtime.set_all_config(
        {**config, **{f"{PROJECT}:{key}": str(value) for key, value in (overrides or {}).items()}}
    )
    pulumi.runtime.set_mocks(
        RecordingMocks(deployment), project=PROJECT, stack=stack, preview=False
    )
    context = StackContext(settings, ACCOUNT_ID)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        inputs = StandIns(
            StandInKeys(context),
            StandInStorage(context),
            StandInSecrets(context),
            StandInCompute(context),
            StandInOrchestration(context),
        )
        build(context, inputs)

    program()
    return deployment


@dataclass
class Declared:
    """The edge, monitoring and recovery components of one stack, with the Outputs read."""

    deployment: Deployment
    outputs: dict[str, Any]


def declare_edge_monitoring_recovery(
    stack: str, overrides: dict[str, Any] | None = None
) -> Declared:
    from exec_assistant_infra.edge import Edge, EdgeArgs
    from exec_assistant_infra.monitoring import Monitoring, MonitoringArgs
    from exec_assistant_infra.recovery import Recovery, RecoveryArgs

    outputs: dict[str, Any] = {}

    def build(context: StackContext, inputs: StandIns) -> None:
        edge = Edge("edge", EdgeArgs(context, inputs.keys, inputs.storage))
        edge.serve(inputs.compute)
        Monitoring(
            "monitoring",
            MonitoringArgs(
                context, inputs.keys, inputs.storage, inputs.compute, inputs.orchestration, edge
            ),
        )
        Recovery(
            "recovery",
            RecoveryArgs(context, inputs.keys, inputs.storage, inputs.secrets, inputs.compute),
        )
        edge.slack_request_url.apply(lambda url: outputs.update(slack_request_url=url))
        edge.web_url.apply(lambda url: outputs.update(web_url=url))
        edge.calendar_consent_callback_url.apply(
            lambda url: outputs.update(calendar_consent_callback_url=url)
        )

    return Declared(declare(stack, build, overrides), outputs)
