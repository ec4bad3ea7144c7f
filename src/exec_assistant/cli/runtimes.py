"""`--runtime`: the read commands and `prep --retry` on the data folder, or on an AWS
deployment (its tables, bucket and state machine named in the environment, as the stack's
outputs give them), so that an administrator inspects production with the same tool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from exec_assistant.bootstrap import build_local
from exec_assistant.domain.errors import ConfigError, ExecAssistantError
from exec_assistant.settings import Settings

if TYPE_CHECKING:
    from exec_assistant.aws_bootstrap import AwsApp
    from exec_assistant.composition import AppStores


class Runtime(StrEnum):
    LOCAL = "local"
    AWS = "aws"


RuntimeOption = Annotated[
    Runtime,
    typer.Option(
        "--runtime",
        case_sensitive=False,
        help="Where the records are: 'local' (the data folder) or 'aws' (the deployment "
        "named by MEETINGS_TABLE, DOCUMENTS_S3_BUCKET, STATE_MACHINE_ARN… in the "
        "environment, with the AWS credentials of the environment).",
    ),
]

DEPLOYMENT_HINT = (
    "Export the deployment's names before --runtime aws: the stack's outputs give them "
    "(MEETINGS_TABLE, SESSIONS_TABLE, FOLLOW_UPS_TABLE, STATE_TABLE, DOCUMENTS_S3_BUCKET, "
    "STATE_MACHINE_ARN), with AWS credentials and AWS_REGION for the account."
)


class AwsUnavailable(ExecAssistantError):
    """The deployment could not be read: no credentials, no network, or a resource refused
    or missing."""

    exit_code = 2


def aws_app(settings: Settings) -> AwsApp:
    """The deployment named in the environment; a ConfigError names what is missing."""
    from exec_assistant.aws_bootstrap import build_aws
    from exec_assistant.aws_clients import AwsClients
    from exec_assistant.deployment_settings import load_deployment_settings

    try:
        deployment = load_deployment_settings()
    except ConfigError as exc:
        raise ConfigError(
            exc.problem, source=exc.source, key=exc.key, hint=DEPLOYMENT_HINT
        ) from None
    with aws_errors():
        return build_aws(settings, deployment, AwsClients())


@contextmanager
def open_records(settings: Settings, runtime: Runtime, command: str) -> Iterator[AppStores]:
    """The stores of `runtime` for a command that reads them (and writes little)."""
    if runtime == Runtime.AWS:
        app = aws_app(settings)
        with aws_errors():
            yield app
        return
    local = build_local(settings, command=command, exclusive=False)
    try:
        yield local
    finally:
        local.close()


@contextmanager
def aws_errors() -> Iterator[None]:
    """botocore's failures as a message that says what to check."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except NoCredentialsError:
        raise AwsUnavailable(
            "no AWS credentials were found",
            hint="Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for the "
            "deployment's account.",
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, text = error.get("Code", "error"), error.get("Message", "")
        operation = exc.operation_name
        hint = (
            "Check the names exported for the deployment (the stack's outputs) and AWS_REGION."
            if code in {"ResourceNotFoundException", "NoSuchBucket", "StateMachineDoesNotExist"}
            else "Check that these credentials may read the deployment (IAM)."
            if "AccessDenied" in code or code in {"UnrecognizedClientException", "403"}
            else None
        )
        raise AwsUnavailable(f"AWS refused {operation}: {code}: {text}", hint=hint) from None
    except BotoCoreError as exc:
        raise AwsUnavailable(
            f"AWS could not be reached: {exc}",
            hint="Check the network and AWS_REGION (or AWS_ENDPOINT_URL).",
        ) from None
