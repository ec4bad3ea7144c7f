"""The documents bucket (moto on 127.0.0.1) beyond the DocumentStore contract: encryption,
keys a person types, big documents, pages of listings, and a bucket that refuses."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

from exec_assistant.adapters.aws.s3_document_store import S3DocumentStore
from exec_assistant.domain.errors import DocumentsUnavailable

from canned_aws import canned_aws, s3_error
from moto_server import AwsEndpoint


@pytest.fixture
def bucket(aws: AwsEndpoint) -> str:
    name = aws.unique("documents")
    aws.client("s3").create_bucket(Bucket=name)
    return name


def test_every_document_is_encrypted_with_the_deployments_key(
    aws: AwsEndpoint, bucket: str
) -> None:
    key_id = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    store = S3DocumentStore(aws.client("s3"), bucket, key_id)

    store.put("meetings/mtg_1/pack.md", b"# Pack", content_type="text/markdown")

    head = aws.client("s3").head_object(Bucket=bucket, Key="meetings/mtg_1/pack.md")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_id
    assert head["ContentType"] == "text/markdown"


def test_without_a_key_of_its_own_a_document_gets_the_accounts_s3_key(
    aws: AwsEndpoint, bucket: str
) -> None:
    store = S3DocumentStore(aws.client("s3"), bucket, None)

    store.put("meetings/mtg_1/pack.md", b"# Pack")

    head = aws.client("s3").head_object(Bucket=bucket, Key="meetings/mtg_1/pack.md")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert "SSEKMSKeyId" not in head


def test_the_location_is_the_objects_s3_url(aws: AwsEndpoint, bucket: str) -> None:
    store = S3DocumentStore(aws.client("s3"), bucket)

    assert store.location("meetings/mtg_1/pack.md") == f"s3://{bucket}/meetings/mtg_1/pack.md"


TYPED_KEYS = [
    "meetings/mtg_1/Board notes (draft).md",
    "meetings/mtg_1/Q3+Q4 plan.md",
    "meetings/mtg_1/a%2Bb%20c.md",
    "meetings/mtg_1/what?x=1&y=2#top.md",
    "meetings/mtg_1/ünïcödé — 会议 🗓.md",
    "meetings/mtg_1/ends with space .md",
    "meetings/mtg_1/<b>&amp;'\"</b>.md",
]


def test_keys_with_spaces_plus_signs_escapes_and_unicode_round_trip(
    aws: AwsEndpoint, bucket: str
) -> None:
    store = S3DocumentStore(aws.client("s3"), bucket)
    for key in TYPED_KEYS:
        store.put(key, key.encode())

    assert store.list("meetings/") == sorted(TYPED_KEYS)
    for key in TYPED_KEYS:
        assert store.get(key) == key.encode(), key
        assert store.exists(key), key
    # '+' is not a space, and an escape is not decoded: each is a document of its own.
    assert store.get("meetings/mtg_1/Q3 Q4 plan.md") is None
    assert store.get("meetings/mtg_1/a+b c.md") is None

    for key in TYPED_KEYS:
        store.delete(key)
    assert store.list() == []


def test_a_big_document_round_trips_whole(aws: AwsEndpoint, bucket: str) -> None:
    store = S3DocumentStore(aws.client("s3"), bucket)
    data = os.urandom(24 * 1024 * 1024)

    store.put("temp/recording-transcript.bin", data)

    got = store.get("temp/recording-transcript.bin")
    assert got is not None
    assert len(got) == len(data)
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_a_listing_longer_than_one_page_is_listed_whole(aws: AwsEndpoint, bucket: str) -> None:
    s3 = aws.client("s3")
    store = S3DocumentStore(s3, bucket)
    keys = [f"sessions/ses_{n:02d}.json" for n in range(7)]
    for key in keys:
        store.put(key, b"{}")
    pages: list[int] = []

    def two_per_page(params: dict[str, Any], **kwargs: Any) -> None:
        # S3 gives 1,000 keys a page; two make the same point with seven documents.
        params["MaxKeys"] = 2
        pages.append(1)

    s3.meta.events.register("provide-client-params.s3.ListObjectsV2", two_per_page)

    assert store.list("sessions/") == keys
    assert len(pages) == 4


def test_objects_outside_the_layout_are_not_documents(aws: AwsEndpoint, bucket: str) -> None:
    s3 = aws.client("s3")
    store = S3DocumentStore(s3, bucket)
    store.put("meetings/mtg_1/notes.md", b"n")
    # A console's "Create folder", a stray upload at the top, a doubled slash.
    for stray in ["meetings/", "meetings/mtg_1/", "README.md", "meetings//x.md", "other/x"]:
        s3.put_object(Bucket=bucket, Key=stray, Body=b"")

    assert store.list() == ["meetings/mtg_1/notes.md"]
    assert store.list("meetings/") == ["meetings/mtg_1/notes.md"]


def test_a_bucket_that_does_not_exist_is_named_with_the_setting_to_fix(
    aws: AwsEndpoint,
) -> None:
    store = S3DocumentStore(aws.client("s3"), "exec-assistant-documents-missing")

    with pytest.raises(DocumentsUnavailable) as raised:
        store.get("meetings/mtg_1/notes.md")

    message = str(raised.value)
    assert "s3://exec-assistant-documents-missing/meetings/mtg_1/notes.md" in message
    assert "does not exist" in message
    assert "DOCUMENTS_S3_BUCKET" in message
    for call in (lambda: store.list(), lambda: store.put("temp/x", b"x")):
        with pytest.raises(DocumentsUnavailable):
            call()


OPERATIONS: dict[str, Any] = {
    "get": lambda store: store.get("meetings/mtg_1/notes.md"),
    "put": lambda store: store.put("meetings/mtg_1/notes.md", b"secret notes"),
    "exists": lambda store: store.exists("meetings/mtg_1/notes.md"),
    "list": lambda store: store.list("meetings/"),
    "delete": lambda store: store.delete("meetings/mtg_1/notes.md"),
}


REFUSALS = [(operation, "AccessDenied") for operation in OPERATIONS] + [
    # Only reading and writing an object's content use its KMS key.
    ("get", "KMS.DisabledException"),
    ("put", "KMS.DisabledException"),
]


@pytest.mark.parametrize(("operation", "code"), REFUSALS)
def test_a_refused_request_names_the_document_and_the_permissions_to_grant(
    operation: str, code: str
) -> None:
    status, body, headers = s3_error(code, "refused", 403 if code == "AccessDenied" else 400)
    with canned_aws(status, body, headers) as refusing:
        store = S3DocumentStore(refusing.client("s3"), "exec-assistant-documents-1")

        with pytest.raises(DocumentsUnavailable) as raised:
            OPERATIONS[operation](store)

    message = str(raised.value)
    assert "s3://exec-assistant-documents-1" in message
    assert code in message or operation == "exists"  # a HEAD's refusal has no body
    assert "s3:ListBucket" in message
    assert "kms:Decrypt" in message
    assert "secret notes" not in message


def test_a_failure_a_retry_may_cure_stays_the_services_error() -> None:
    status, body, headers = s3_error("SlowDown", "Please reduce your request rate.", 503)
    with canned_aws(status, body, headers) as slow:
        store = S3DocumentStore(slow.client("s3"), "exec-assistant-documents-1")

        with pytest.raises(ClientError, match="SlowDown"):
            store.get("meetings/mtg_1/notes.md")
