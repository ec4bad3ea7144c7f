"""The composition root of the infrastructure: one component per concern, wired together.

`main` reads the stack's config (`Pulumi.<stack>.yaml`, `pulumi config set`) into
`StackSettings`, then `build` declares every resource. Tests run `main` under Pulumi's mocks.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import CONFIG, get_config_env

from exec_assistant.stack_settings import StackSettings, config_values, stack_settings
from exec_assistant_infra.blue_green import BlueGreen, BlueGreenArgs
from exec_assistant_infra.compute import Compute, ComputeArgs
from exec_assistant_infra.edge import Edge, EdgeArgs
from exec_assistant_infra.keys import Keys, KeysArgs
from exec_assistant_infra.monitoring import Monitoring, MonitoringArgs
from exec_assistant_infra.network import Network, NetworkArgs
from exec_assistant_infra.orchestration import Orchestration, OrchestrationArgs
from exec_assistant_infra.recovery import Recovery, RecoveryArgs
from exec_assistant_infra.secrets import Secrets, SecretsArgs
from exec_assistant_infra.stack import StackContext
from exec_assistant_infra.storage import Storage, StorageArgs


def main() -> None:
    settings = read_settings()
    identity = aws.get_caller_identity()
    partition = aws.get_partition()
    build(StackContext(settings, identity.account_id, partition.partition))


def read_settings() -> StackSettings:
    """The stack's config; a bad or unknown key stops the preview, naming the key."""
    # Every key the engine gave the program, so that a mistyped one is refused rather than
    # silently left at its default.
    config = {**get_config_env(), **CONFIG.get()}
    return stack_settings(config_values(config), f"stack {pulumi.get_stack()}")


def build(stack: StackContext) -> None:
    keys = Keys("keys", KeysArgs(stack))
    network = Network("network", NetworkArgs(stack, keys)) if stack.settings.vpc else None
    storage = Storage("storage", StorageArgs(stack, keys))
    secrets = Secrets("secrets", SecretsArgs(stack, keys))
    # The edge first: the calendar consent function is given its address.
    edge = Edge("edge", EdgeArgs(stack, keys, storage))
    compute = Compute(
        "compute", ComputeArgs(stack, keys, network, storage, secrets, web_url=edge.web_url)
    )
    edge.serve(compute)
    orchestration = Orchestration("orchestration", OrchestrationArgs(stack, keys, storage, compute))
    keys.attach_policy(compute)
    monitoring = Monitoring(
        "monitoring", MonitoringArgs(stack, keys, storage, compute, orchestration, edge)
    )
    Recovery("recovery", RecoveryArgs(stack, keys, storage, secrets, compute))
    BlueGreen("blue-green", BlueGreenArgs(stack, compute, monitoring))

    pulumi.export("region", stack.region)
    pulumi.export("slack_request_url", edge.slack_request_url)
    pulumi.export("web_url", edge.web_url)
    pulumi.export("state_machine_arn", orchestration.state_machine.arn)
    pulumi.export("documents_bucket", storage.documents_bucket.bucket)
    pulumi.export("slack_secret_arn", secrets.slack.arn)
    pulumi.export("calendar_secret_arn", secrets.calendar.arn)
    pulumi.export("calendar_consent_callback_url", edge.calendar_consent_callback_url)
    pulumi.export("calendar_consent_function", compute.functions["calendar_oauth"].name)
    pulumi.export("integrations_secret_arn", secrets.integrations.arn)
    pulumi.export("web_secret_arn", secrets.web.arn)
    pulumi.export("assets_bucket", edge.assets_bucket.bucket)
    pulumi.export("alarm_topic_arn", monitoring.alarm_topic.arn)
    pulumi.export("tables", {key: table.name for key, table in storage.tables.items()})
