"""The Lambda functions: the shared layer, every function of `lambda_functions.FUNCTIONS`
from the archives `make package` builds, each with its own role (`access.GRANTS`), log
group, environment and `live` alias, and one dead-letter queue for the asynchronous ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pulumi
import pulumi_aws as aws

from exec_assistant.lambda_functions import FUNCTIONS, LambdaFunction
from exec_assistant_infra.access import GRANTS, AccessTargets, VpcTargets, statements
from exec_assistant_infra.calendar_feeds import calendar_urls
from exec_assistant_infra.function_environment import (
    SCHEDULE_GROUP_SUFFIX,
    SCHEDULER_ROLE_SUFFIX,
    EnvironmentValues,
    function_environment,
)
from exec_assistant_infra.policy_documents import assume_role, document
from exec_assistant_infra.stack import LIVE_ALIAS, StackContext

RUNTIME = "python3.11"
ARCHITECTURE = "arm64"
LAYER_ARCHIVE = "layer/exec-assistant-deps.zip"
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
BUILD_COMMAND = "make package"


class KeysLike(Protocol):
    @property
    def key(self) -> aws.kms.Key: ...


class NetworkLike(Protocol):
    @property
    def vpc(self) -> aws.ec2.Vpc: ...
    @property
    def private_subnet_ids(self) -> Sequence[pulumi.Output[str]]: ...
    @property
    def lambda_security_group(self) -> aws.ec2.SecurityGroup: ...


class StorageLike(Protocol):
    @property
    def tables(self) -> Mapping[str, aws.dynamodb.Table]: ...
    @property
    def documents_bucket(self) -> aws.s3.Bucket: ...


class SecretsLike(Protocol):
    @property
    def slack(self) -> aws.secretsmanager.Secret: ...
    @property
    def calendar(self) -> aws.secretsmanager.Secret: ...
    @property
    def integrations(self) -> aws.secretsmanager.Secret: ...
    @property
    def web(self) -> aws.secretsmanager.Secret: ...


@dataclass(frozen=True)
class ComputeArgs:
    stack: StackContext
    keys: KeysLike
    network: NetworkLike | None
    storage: StorageLike
    secrets: SecretsLike
    web_url: pulumi.Input[str] | None = None
    """The deployment's public address (the edge's), where the calendar consent returns."""


class MissingArtifact(pulumi.RunError):
    """An archive `make package` builds is not there."""


def schedule_group_name(stack: StackContext) -> str:
    return stack.name(SCHEDULE_GROUP_SUFFIX)


def scheduler_role_name(stack: StackContext) -> str:
    """The reminders' role is named in advance: the functions name it, and Orchestration,
    which is built after them, creates it."""
    return stack.global_name(SCHEDULER_ROLE_SUFFIX)


def scheduler_role_arn(stack: StackContext) -> str:
    return f"arn:{stack.partition}:iam::{stack.account_id}:role/{scheduler_role_name(stack)}"


def invoked_asynchronously(function: LambdaFunction) -> bool:
    """EventBridge, the Scheduler and S3 invoke asynchronously (a failure after Lambda's
    retries goes to the dead-letter queue), and so does the Slack webhook's call to itself."""
    return function.trigger.split()[0] in ("EventBridge", "S3") or function.key == "slack_webhook"


def artifact_paths(stack: StackContext) -> dict[str, Path]:
    """The archive of every function (by key) and of the layer (`layer`); MissingArtifact
    naming each one that is not there and the command that builds them."""
    root = stack.artifacts_dir
    paths = {f.key: root / "functions" / f.archive for f in FUNCTIONS}
    paths["layer"] = root / LAYER_ARCHIVE
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise MissingArtifact(
            f"the Lambda archives are not built: {', '.join(missing)} missing. Run "
            f"`{BUILD_COMMAND}` in the repository first (it writes them under {root})."
        )
    return paths


class Compute(pulumi.ComponentResource):
    layer: aws.lambda_.LayerVersion
    functions: dict[str, aws.lambda_.Function]
    aliases: dict[str, aws.lambda_.Alias]
    roles: dict[str, aws.iam.Role]
    log_groups: dict[str, aws.cloudwatch.LogGroup]
    dead_letter_queue: aws.sqs.Queue

    def __init__(
        self, name: str, args: ComputeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:compute:Compute", name, None, opts)
        stack = args.stack
        settings = stack.settings
        paths = artifact_paths(stack)
        child = pulumi.ResourceOptions(parent=self)
        key_arn = args.keys.key.arn

        self.layer = aws.lambda_.LayerVersion(
            "deps",
            layer_name=stack.name("deps"),
            code=pulumi.FileArchive(str(paths["layer"])),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            opts=child,
        )
        self.dead_letter_queue = aws.sqs.Queue(
            "dead-letters",
            name=stack.name("dead-letters"),
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            kms_master_key_id=key_arn,
            tags=stack.tags(),
            opts=child,
        )
        tables = args.storage.tables
        calendars = calendar_urls()
        values = EnvironmentValues(
            tables={variable: table.name for variable, table in tables.items()},
            documents_bucket=args.storage.documents_bucket.bucket,
            key_arn=key_arn,
            slack_secret_arn=args.secrets.slack.arn,
            calendar_secret_arn=args.secrets.calendar.arn,
            integrations_secret_arn=args.secrets.integrations.arn,
            state_machine_arn=stack.state_machine_arn,
            event_bus_name="default",
            schedule_group=schedule_group_name(stack),
            reminder_function_arn=stack.function_arn("reminder"),
            scheduler_role_arn=scheduler_role_arn(stack),
            pack_model_id=settings.model_id,
            summary_model_id=settings.agent_context_model_id,
            timezone=settings.executive_timezone,
            executive_email=settings.executive_email,
            slack_user_id=settings.slack_user_id,
            slack_team_id=settings.slack_team_id,
            web_delegates=settings.web_delegates,
            web_delegates_see_private=settings.web_delegates_see_private,
            calendars=calendars,
            calendar_api_type=settings.calendar_api_type,
            calendar_api_endpoint=settings.calendar_api_endpoint,
            web_url=args.web_url,
            web_secret_arn=args.secrets.web.arn,
            calendars_configured=calendars is not None or settings.calendar_api_type != "ics",
        )
        # A secret read rather than made (the DR stack's replicas) is under another key.
        secrets_key = pulumi.Output.all(args.secrets.slack.kms_key_id, key_arn).apply(
            lambda keys: keys[0] or keys[1]
        )
        vpc = _vpc_targets(stack, args.network)
        self.functions, self.aliases, self.roles, self.log_groups = {}, {}, {}, {}
        for function in FUNCTIONS:
            function_name = stack.function_name(function.key)
            log_group_name = f"/aws/lambda/{function_name}"
            asynchronous = invoked_asynchronously(function)
            targets = AccessTargets(
                region=stack.region,
                account_id=stack.account_id,
                partition=stack.partition,
                tables={variable: table.arn for variable, table in tables.items()},
                documents_bucket=args.storage.documents_bucket.arn,
                secrets={
                    "slack": args.secrets.slack.arn,
                    "calendar": args.secrets.calendar.arn,
                    "integrations": args.secrets.integrations.arn,
                    "web": args.secrets.web.arn,
                },
                key=key_arn,
                secrets_key=secrets_key,
                state_machine=stack.state_machine_arn,
                schedule_group=schedule_group_name(stack),
                scheduler_role=scheduler_role_arn(stack),
                event_bus=stack.arn("events", "event-bus/default"),
                model_ids={"pack": settings.model_id, "summary": settings.agent_context_model_id},
                own_alias=stack.function_arn(function.key),
                own_log_group=stack.arn("logs", f"log-group:{log_group_name}"),
                dead_letter_queue=self.dead_letter_queue.arn if asynchronous else None,
                vpc=vpc,
            )
            self._function(
                function, paths[function.key], targets, values, log_group_name, args, child
            )

        self.register_outputs(
            {
                "layer": self.layer.arn,
                "functions": {key: f.arn for key, f in self.functions.items()},
                "aliases": {key: a.arn for key, a in self.aliases.items()},
                "dead_letter_queue": self.dead_letter_queue.arn,
            }
        )

    def _function(
        self,
        function: LambdaFunction,
        archive: Path,
        targets: AccessTargets,
        values: EnvironmentValues,
        log_group_name: str,
        args: ComputeArgs,
        child: pulumi.ResourceOptions,
    ) -> None:
        stack = args.stack
        key = function.key
        logical = key.replace("_", "-")
        grants = GRANTS[key]
        role = aws.iam.Role(
            f"{logical}-role",
            assume_role_policy=assume_role("lambda.amazonaws.com"),
            description=f"The {stack.function_name(key)} function",
            tags=stack.tags(),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{logical}-access",
            role=role.id,
            policy=document(*statements(key, grants, targets)),
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{logical}-logs",
            name=log_group_name,
            retention_in_days=stack.settings.log_retention_days,
            kms_key_id=args.keys.key.arn,
            tags=stack.tags(),
            opts=child,
        )
        network = args.network
        lambda_function = aws.lambda_.Function(
            logical,
            name=stack.function_name(key),
            description=function.purpose,
            role=role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=function.handler,
            code=pulumi.FileArchive(str(archive)),
            layers=[self.layer.arn],
            memory_size=function.memory_mb,
            timeout=function.timeout_seconds,
            reserved_concurrent_executions=function.reserved_concurrency,
            ephemeral_storage={"size": function.ephemeral_storage_mb},
            tracing_config={"mode": "Active"},
            vpc_config=(
                {
                    "subnet_ids": network.private_subnet_ids,
                    "security_group_ids": [network.lambda_security_group.id],
                }
                if network is not None
                else None
            ),
            dead_letter_config=(
                {"target_arn": targets.dead_letter_queue}
                if targets.dead_letter_queue is not None
                else None
            ),
            logging_config={"log_format": "Text", "log_group": log_group.name},
            environment={"variables": function_environment(key, grants, values)},
            publish=True,
            tags=stack.tags(),
            # The role's policy first: with the function in a VPC, Lambda checks at creation
            # that the role may create its network interfaces.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, policy]),
        )
        self.aliases[key] = aws.lambda_.Alias(
            f"{logical}-live",
            name=LIVE_ALIAS,
            function_name=lambda_function.name,
            function_version=lambda_function.version,
            description="What every trigger invokes; deployments shift it (CodeDeploy).",
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["functionVersion", "routingConfig"]
            ),
        )
        self.functions[key] = lambda_function
        self.roles[key] = role
        self.log_groups[key] = log_group


def _vpc_targets(stack: StackContext, network: NetworkLike | None) -> VpcTargets | None:
    if network is None:
        return None
    subnet = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account_id}:subnet/"
    return VpcTargets(
        vpc=network.vpc.arn,
        subnets=[pulumi.Output.concat(subnet, s) for s in network.private_subnet_ids],
        security_group=network.lambda_security_group.arn,
    )
