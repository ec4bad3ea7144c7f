"""The infrastructure program run under Pulumi's mocks: every resource it declares, with the
inputs it gave, for one stack's config file. Nothing is deployed and no plugin is needed.

Inputs are recorded as the engine sees them: camelCase keys (`enableKeyRotation`), Outputs
resolved. The mocks answer each resource with its inputs plus the ids and ARNs AWS would
compute, so that one resource's ARN can appear in another's policy.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.stack_settings import PROJECT, config_values, stack_settings
from exec_assistant_infra.stack import StackContext

INFRA = Path(__file__).resolve().parent.parent / "infra"
ACCOUNT_ID = "123456789012"
LAYER_ZIP = "layer/exec-assistant-deps.zip"


@dataclass
class DeclaredResource:
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    provider: str | None = None
    read_id: str | None = None
    """The id of an existing resource the program reads (`Resource.get`), not creates."""

    def __getitem__(self, key: str) -> Any:
        return self.inputs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.inputs.get(key, default)


@dataclass
class Deployment:
    stack: str
    region: str
    resources: list[DeclaredResource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[DeclaredResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> DeclaredResource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_)]
            raise AssertionError(f"{len(found)} {type_} named {name!r}; declared: {names}")
        return found[0]

    def __iter__(self) -> Iterator[DeclaredResource]:
        return iter(self.resources)


def _service(type_: str) -> str:
    module = type_.split(":")[1].split("/")[0]
    return {"lambda": "lambda", "cloudwatch": "logs", "sfn": "states"}.get(module, module)


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        region, account = self.deployment.region, ACCOUNT_ID
        inputs = dict(args.inputs)
        name = (
            inputs.get("name")
            or inputs.get("bucket")
            or f"{args.name}-{len(self.deployment.resources)}"
        )
        outputs: dict[str, Any] = {**inputs, "name": inputs.get("name", name)}
        type_ = args.typ
        arn = f"arn:aws:{_service(type_)}:{region}:{account}:{name}"
        if type_ == "aws:s3/bucket:Bucket":
            outputs.update(
                bucket=name,
                arn=f"arn:aws:s3:::{name}",
                bucketRegionalDomainName=f"{name}.s3.{region}.amazonaws.com",
            )
        elif type_ == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
            outputs.update(
                arn=arn,
                invokeArn=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
                version="1",
                qualifiedArn=f"{arn}:1",
            )
        elif type_ == "aws:lambda/alias:Alias":
            function = str(inputs.get("functionName", ""))
            base = (
                function
                if function.startswith("arn:")
                else f"arn:aws:lambda:{region}:{account}:function:{function}"
            )
            arn = f"{base}:{inputs.get('name')}"
            outputs.update(
                arn=arn,
                invokeArn=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
            )
        elif type_ == "aws:iam/role:Role":
            arn = f"arn:aws:iam::{account}:role/{name}"
        elif type_ == "aws:sqs/queue:Queue":
            outputs["url"] = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        elif type_ == "aws:dynamodb/table:Table":
            arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
            outputs["streamArn"] = f"{arn}/stream/2026-12-01T00:00:00.000"
        elif type_ == "aws:kms/key:Key":
            outputs["keyId"] = f"key-{args.name}"
            arn = f"arn:aws:kms:{region}:{account}:key/key-{args.name}"
        elif type_ == "aws:apigatewayv2/api:Api":
            outputs.update(
                apiEndpoint=f"https://api-{args.name}.execute-api.{region}.amazonaws.com",
                executionArn=f"arn:aws:execute-api:{region}:{account}:api-{args.name}",
            )
        elif type_ == "aws:cloudfront/distribution:Distribution":
            outputs["domainName"] = f"d-{args.name}.cloudfront.net"
        elif type_ == "aws:secretsmanager/secret:Secret":
            arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf"
        elif type_ == "aws:sfn/stateMachine:StateMachine":
            arn = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
        outputs.setdefault("arn", arn)
        if args.resource_id and type_ == "aws:secretsmanager/secret:Secret":
            # What the provider reads of an existing secret: here a DR region's replica,
            # under the replicas' key.
            outputs["kmsKeyId"] = f"arn:aws:kms:{region}:{account}:key/replica-of-primary"
        # A bucket's id is its name, as the provider gives it.
        resource_id = name if type_ == "aws:s3/bucket:Bucket" else f"{args.name}-id"
        outputs.setdefault("id", resource_id)
        read_id = args.resource_id or None
        self.deployment.resources.append(
            DeclaredResource(type_, args.name, inputs, outputs, args.provider, read_id)
        )
        return outputs["id"], outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        region = self.deployment.region
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:root",
                "userId": "AIDA",
                "id": ACCOUNT_ID,
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "name": args.args.get("region") or region,
                "region": args.args.get("region") or region,
                "id": region,
            }
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
                "names": [f"{region}a", f"{region}b", f"{region}c"],
                "zoneIds": ["z1", "z2", "z3"],
                "id": region,
            }
        raise NotImplementedError(f"the mocks do not answer {args.token}")


def stack_config(stack: str) -> dict[str, str]:
    """The stack file's config, as the Pulumi engine hands it to the program (strings)."""
    document = yaml.safe_load((INFRA / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config: dict[str, str] = {}
    for key, value in document["config"].items():
        if isinstance(value, (list, dict)):
            config[key] = json.dumps(value)
        elif isinstance(value, bool):
            config[key] = "true" if value else "false"
        else:
            config[key] = str(value)
    return config


def package_artifacts(directory: Path) -> Path:
    """Archives where `make package` puts them (stand-ins: the mocks never read them)."""
    for function in FUNCTIONS:
        _zip(directory / "functions" / function.archive)
    _zip(directory / LAYER_ZIP)
    return directory


def _zip(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README", "stand-in for a packaged function\n")


def run_stack(
    stack: str,
    artifacts: Path,
    overrides: dict[str, str] | None = None,
) -> Deployment:
    """Run the program for `stack` (its Pulumi.<stack>.yaml) under the mocks."""
    from exec_assistant_infra.program import main

    config = stack_config(stack)
    config[f"{PROJECT}:artifactsDir"] = str(artifacts)
    config.update(overrides or {})
    deployment = Deployment(stack, config.get("aws:region", "us-east-1"))
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(
        RecordingMocks(deployment), project=PROJECT, stack=stack, preview=False
    )

    @pulumi.runtime.test
    def program() -> None:
        main()

    program()
    return deployment


def run_components(
    stack: str,
    build: Callable[[StackContext], object],
    overrides: dict[str, str] | None = None,
) -> Deployment:
    """Run `build` (which constructs some components for the stack) under the mocks, with
    `stack`'s config file and `overrides` as the stack's config: for testing components
    before the whole program can run."""
    config = stack_config(stack)
    config.update(overrides or {})
    settings = stack_settings(config_values(config), f"stack {stack}")
    deployment = Deployment(stack, settings.region)
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(
        RecordingMocks(deployment), project=PROJECT, stack=stack, preview=False
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        build(StackContext(settings, ACCOUNT_ID))

    program()
    return deployment
