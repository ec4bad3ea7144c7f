"""The DocumentStore port on the documents bucket (meetings/, sessions/, agents/, config/,
temp/), every object encrypted with the deployment's KMS key."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from exec_assistant.domain.documents import validate_key
from exec_assistant.domain.errors import DocumentsUnavailable

_REFUSALS = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "NoSuchBucket",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "403",
    }
)
"""Errors a retry will not cure: the bucket or the role needs fixing."""

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_document(key: str) -> bool:
    """Objects outside the layout (a console's `meetings/` folder marker, a stray file at the
    top of the bucket) are not documents."""
    try:
        validate_key(key)
    except ValueError:
        return False
    return True


class S3DocumentStore:
    """Documents as objects of `bucket`, under the same keys as the local folder's files.

    Every put asks for SSE-KMS: with `kms_key_id` (an id, ARN or alias) that key, otherwise
    the account's AWS-managed S3 key. The role needs s3:GetObject, s3:PutObject,
    s3:DeleteObject on the objects, s3:ListBucket on the bucket (without it a missing object
    reads as refused, not absent), and kms:GenerateDataKey and kms:Decrypt on the key.
    """

    def __init__(self, client: Any, bucket: str, kms_key_id: str | None = None) -> None:
        self._client = client
        self._bucket = bucket
        self._kms_key_id = kms_key_id

    def _refused(self, exc: ClientError, key: str | None) -> DocumentsUnavailable:
        code = _code(exc)
        where = self.location(key) if key is not None else f"s3://{self._bucket}"
        if code == "NoSuchBucket":
            return DocumentsUnavailable(
                where,
                "the bucket does not exist",
                hint="Check DOCUMENTS_S3_BUCKET, or deploy the infrastructure first.",
            )
        return DocumentsUnavailable(
            where,
            f"{code or 'refused'}",
            hint=(
                "The function's role needs s3:GetObject, s3:PutObject, s3:DeleteObject on the "
                "bucket's objects, s3:ListBucket on the bucket, and kms:GenerateDataKey and "
                "kms:Decrypt on its KMS key."
            ),
        )

    def _check(self, exc: ClientError, key: str | None) -> None:
        """Re-raise a refusal as DocumentsUnavailable; anything else (throttling, a 500) stays
        a ClientError, for the caller's retry."""
        code = _code(exc)
        if code in _REFUSALS or code.startswith("KMS."):
            raise self._refused(exc, key) from None

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        args: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": validate_key(key),
            "Body": bytes(data),
            "ContentType": content_type,
            "ServerSideEncryption": "aws:kms",
        }
        if self._kms_key_id:
            args["SSEKMSKeyId"] = self._kms_key_id
        try:
            self._client.put_object(**args)
        except ClientError as exc:
            self._check(exc, key)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=validate_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            self._check(exc, key)
            raise
        body = response["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=validate_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            self._check(exc, key)
            raise
        return True

    def list(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=prefix
            )
            for page in pages:
                keys.extend(
                    item["Key"] for item in page.get("Contents", ()) if _is_document(item["Key"])
                )
        except ClientError as exc:
            self._check(exc, None)
            raise
        return sorted(keys)

    def delete(self, key: str) -> None:
        try:
            # Deleting a missing object succeeds: nothing to ignore.
            self._client.delete_object(Bucket=self._bucket, Key=validate_key(key))
        except ClientError as exc:
            self._check(exc, key)
            raise

    def location(self, key: str) -> str:
        return f"s3://{self._bucket}/{validate_key(key)}"
