"""The SecretVersions port on Secrets Manager: what a rotation function reads and moves."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from exec_assistant.domain.errors import SecretUnavailable
from exec_assistant.domain.secret_rotation import AWSCURRENT, AWSPENDING
from exec_assistant.ports import SecretDescription

_NO_VALUE = "ResourceNotFoundException"
"""What GetSecretValue answers for a version with no value yet (a rotation's new version
before its createSecret)."""
_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
_KEY_REFUSED = frozenset({"DecryptionFailure", "EncryptionFailure", "KMSAccessDeniedException"})
_ACTIONS = {
    "DescribeSecret": "secretsmanager:DescribeSecret",
    "GetSecretValue": "secretsmanager:GetSecretValue and kms:Decrypt on the secret's key",
    "PutSecretValue": "secretsmanager:PutSecretValue and kms:GenerateDataKey on the secret's key",
    "UpdateSecretVersionStage": "secretsmanager:UpdateSecretVersionStage",
}


class SecretsManagerSecretVersions:
    """Versions and stages through a boto3 Secrets Manager client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, secret_id: str) -> SecretDescription:
        answer = self._call("DescribeSecret", secret_id, SecretId=secret_id)
        stages = {
            str(version): tuple(str(stage) for stage in labels)
            for version, labels in (answer.get("VersionIdsToStages") or {}).items()
        }
        return SecretDescription(
            name=str(answer.get("Name") or secret_id),
            rotation_enabled=bool(answer.get("RotationEnabled")),
            stages=stages,
        )

    def value(self, secret_id: str, stage: str, version_id: str | None = None) -> str | None:
        args: dict[str, Any] = {"SecretId": secret_id, "VersionStage": stage}
        if version_id is not None:
            args["VersionId"] = version_id
        try:
            answer = self._client.get_secret_value(**args)
        except ClientError as exc:
            if _code(exc) == _NO_VALUE:
                return None
            raise _refused("GetSecretValue", secret_id, exc) from None
        except BotoCoreError as exc:
            raise _unreachable(secret_id, exc) from None
        if "SecretString" not in answer:
            raise SecretUnavailable(
                secret_id,
                "it holds binary data, not text",
                hint="Store it as a secret string (a JSON object of keys).",
            )
        return str(answer["SecretString"])

    def put_pending(
        self, secret_id: str, version_id: str, value: str, rotation_token: str | None
    ) -> None:
        args: dict[str, Any] = {
            "SecretId": secret_id,
            "ClientRequestToken": version_id,
            "SecretString": value,
            "VersionStages": [AWSPENDING],
        }
        # Only a rotation through an assumed role needs it back; an older botocore (the
        # Lambda runtime's) would refuse the parameter it does not know.
        if rotation_token and self._takes_rotation_token:
            args["RotationToken"] = rotation_token
        self._call("PutSecretValue", secret_id, **args)

    def move_current(self, secret_id: str, to_version: str, from_version: str) -> None:
        self._call(
            "UpdateSecretVersionStage",
            secret_id,
            SecretId=secret_id,
            VersionStage=AWSCURRENT,
            MoveToVersionId=to_version,
            RemoveFromVersionId=from_version,
        )
        # Done, as the rotation's end state should be: no version pending beside the current.
        self._call(
            "UpdateSecretVersionStage",
            secret_id,
            SecretId=secret_id,
            VersionStage=AWSPENDING,
            RemoveFromVersionId=to_version,
        )

    @cached_property
    def _takes_rotation_token(self) -> bool:
        operation = self._client.meta.service_model.operation_model("PutSecretValue")
        return "RotationToken" in operation.input_shape.members

    def _call(self, operation: str, secret_id: str, **args: Any) -> dict[str, Any]:
        method = getattr(self._client, _snake(operation))
        try:
            answer: dict[str, Any] = method(**args)
        except ClientError as exc:
            raise _refused(operation, secret_id, exc) from None
        except BotoCoreError as exc:
            raise _unreachable(secret_id, exc) from None
        return answer


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _refused(operation: str, secret_id: str, exc: ClientError) -> SecretUnavailable:
    code = _code(exc)
    if code in _DENIED:
        return SecretUnavailable(
            secret_id,
            f"{operation} was denied",
            hint=f"The rotation function's role needs {_ACTIONS[operation]}.",
        )
    if code in _KEY_REFUSED:
        return SecretUnavailable(
            secret_id,
            f"{operation}: its KMS key refused ({code})",
            hint=f"The rotation function's role needs {_ACTIONS[operation]}.",
        )
    return SecretUnavailable(
        secret_id, f"{operation}: Secrets Manager answered {code or 'an error'}"
    )


def _unreachable(secret_id: str, exc: BotoCoreError) -> SecretUnavailable:
    return SecretUnavailable(secret_id, f"Secrets Manager cannot be reached ({type(exc).__name__})")
