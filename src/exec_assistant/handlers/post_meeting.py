"""A meeting's notes, uploaded to `meetings/{id}/notes.md` in the documents bucket (by the
executive, or by the Slack webhook for notes given in Slack), turned into a summary,
decisions and action items.

With Slack, the items are proposed there for the executive to accept or edit, as notes
given in Slack are; without, they are accepted at once. The function writes notes.md back
(the same text): that upload, and a notification S3 delivers twice, read the notes once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.text_files import UnreadableTextFile, decode_text
from exec_assistant.handlers.runtime import (
    AppFactory,
    BadEvent,
    Handler,
    LambdaEvent,
    environment_handler,
    function_handler,
    idempotent,
    logger,
)
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.model_builders import CONFIGURED_AGENTS
from exec_assistant.services.deliveries import deliver_once
from exec_assistant.services.notes import process_notes

KEY = "post_meeting"
NOTES_KEY = re.compile(r"^meetings/(?P<meeting_id>[A-Za-z0-9_.-]{1,200})/notes\.md$")
NOTES_LIMIT_BYTES = 2 * 1024 * 1024
"""Notes are text: a bigger object is not notes, and is not read."""
REMEMBERED_SECONDS = 86400


def make_handler(app: AppFactory) -> Handler:
    name = BY_KEY[KEY].name
    layers: dict[str, Any] = {}

    def body(the_app: Any, event: LambdaEvent, context: Any) -> dict[str, Any]:
        records = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(records, list) or not records:
            raise BadEvent(
                f"{name}: not an S3 notification (no Records)",
                hint="The function is invoked by the documents bucket's ObjectCreated "
                "notification for meetings/*/notes.md.",
            )
        run = idempotent(
            the_app,
            KEY,
            lambda upload: _read_upload(the_app, upload, once_per_text(context)),
            event_key="[bucket, key, etag]",
            expires_after_seconds=REMEMBERED_SECONDS,
            layers=layers,
        )

        def once_per_text(context: Any) -> Callable[[dict[str, Any], Callable[[], None]], bool]:
            def guard(text_key: dict[str, Any], read: Callable[[], None]) -> bool:
                """`read` once per meeting and text; True when it ran now."""

                def run_read(_payload: dict[str, Any]) -> dict[str, Any]:
                    read()
                    return {"read": True}

                guarded = idempotent(
                    the_app,
                    KEY,
                    run_read,
                    event_key="[meeting_id, digest]",
                    expires_after_seconds=REMEMBERED_SECONDS,
                    layers=layers,
                    scope="text",
                    replayed=lambda _first: {"read": False},
                )
                return bool(guarded(text_key, context)["read"])

            return guard

        results = []
        for record in records:
            upload = _upload(record, name)
            if upload["bucket"] != the_app.deployment.documents_s3_bucket:
                results.append({"key": upload["key"], "ignored": "not the documents bucket"})
                continue
            if NOTES_KEY.match(upload["key"]) is None:
                results.append({"key": upload["key"], "ignored": "not a meeting's notes.md"})
                continue
            results.append(run(upload, context))
        return {"results": results}

    return function_handler(KEY, app, body)


def _upload(record: Any, function: str) -> dict[str, Any]:
    s3: Any = record.get("s3") if isinstance(record, dict) else None
    try:
        bucket = s3["bucket"]["name"]
        raw_key = s3["object"]["key"]
    except (TypeError, KeyError):
        raise BadEvent(
            f"{function}: an S3 record without s3.bucket.name and s3.object.key",
            hint="Only the bucket's ObjectCreated notifications invoke this function.",
        ) from None
    if not isinstance(bucket, str) or not isinstance(raw_key, str):
        raise BadEvent(f"{function}: the S3 record's bucket and key are not text")
    event_name = str(record.get("eventName") or "")
    if event_name and not event_name.startswith("ObjectCreated"):
        raise BadEvent(f"{function}: {event_name[:60]} is not an upload")
    obj = s3["object"]
    return {
        "bucket": bucket,
        "key": unquote_plus(raw_key),  # S3 notifications URL-encode the key ('+' a space)
        "etag": str(obj.get("eTag") or obj.get("sequencer") or ""),
        "size": obj.get("size") if isinstance(obj.get("size"), int) else None,
    }


def _read_upload(
    app: Any, upload: dict[str, Any], once: Callable[[dict[str, Any], Callable[[], None]], bool]
) -> dict[str, Any]:
    """The upload's notes read, unless the same text of the meeting was read already: two
    uploads of one text have two ETags (with SSE-KMS an ETag is not the text's digest), and
    when they come at once the second waits for the first (it fails as in progress, and S3
    invokes it again) and then reads nothing."""
    key = upload["key"]
    match = NOTES_KEY.match(key)
    assert match is not None
    meeting_id = match["meeting_id"]
    logger.append_keys(meeting_id=meeting_id)
    meeting = app.meetings.get(meeting_id)
    if meeting is None:
        logger.info("notes of an unknown meeting")
        return {"key": key, "refused": f"no meeting with id '{meeting_id}'"}
    size = upload.get("size")
    if size is not None and size > NOTES_LIMIT_BYTES:
        return _refuse(app, meeting, key, f"the notes are over {NOTES_LIMIT_BYTES // 1048576} MB")
    data = app.documents.get(key)
    if data is None:
        return {"key": key, "refused": "the notes are gone"}
    if len(data) > NOTES_LIMIT_BYTES:
        return _refuse(app, meeting, key, f"the notes are over {NOTES_LIMIT_BYTES // 1048576} MB")
    try:
        text = decode_text(data, key)
    except UnreadableTextFile as exc:
        return _refuse(app, meeting, key, str(exc))
    slack = app.slack
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    outcome: dict[str, Any] = {"key": key, "meeting_id": meeting_id, "read": False}

    def read() -> None:
        reader = app.notes_reader()
        result = process_notes(
            meeting_id,
            text,
            meetings=app.meetings,
            action_items=app.action_items,
            decisions=app.decisions,
            documents=app.documents,
            meeting_date=meeting.start.astimezone(app.settings.zone).date(),
            now=app.clock.now(),
            reader=reader,
            catalog=app.config.catalog if reader is not None else None,
            private_providers=tuple(app.settings.private_providers),
            proposed=slack is not None,
        )
        if slack is not None:
            slack.channel.post_notes_result(meeting, result, accepted=False)
        outcome.update(
            read=True, decisions=len(result.decisions), action_items=len(result.action_items)
        )

    def read_once() -> None:
        # The record of the delivery outlives the idempotency record (a day).
        deliver_once(
            app.deliveries, app.clock, f"notes/{meeting_id}/{digest}", meeting_id, "notes", read
        )

    try:
        once({"meeting_id": meeting_id, "digest": digest}, read_once)
    except ExecAssistantError as exc:
        return _refuse(app, meeting, key, exc.message)
    logger.info(
        "notes read" if outcome["read"] else "notes read already",
        decisions=outcome.get("decisions"),
        action_items=outcome.get("action_items"),
    )
    return outcome


def _refuse(app: Any, meeting: Any, key: str, reason: str) -> dict[str, Any]:
    """Notes that cannot be read are not retried: the executive is told why, in Slack."""
    logger.info("notes refused")
    slack = app.slack
    if slack is not None:
        digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
        slack.channel.tell(
            meeting,
            f"The notes in {key} were not read: {reason}",
            f"notes-refused/{meeting.meeting_id}/{digest}",
        )
    return {"key": key, "refused": reason}


lambda_handler = environment_handler(make_handler, agents=CONFIGURED_AGENTS)
