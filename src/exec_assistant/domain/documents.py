"""The document layout, the same in a local folder and in the documents bucket."""

from __future__ import annotations

from pathlib import PurePosixPath

TOP_LEVEL_PREFIXES = ("meetings", "sessions", "agents", "config", "temp")


def validate_key(key: str) -> str:
    """Keys are relative POSIX paths under one of the bucket's top-level prefixes, without
    control characters (S3's XML listings cannot carry some, and a person cannot read them)."""
    path = PurePosixPath(key)
    if (
        not key
        or any(ord(char) < 32 or ord(char) == 127 for char in key)
        or path.is_absolute()
        or any(part in ("..", ".", "") for part in key.split("/"))
        or path.parts[0] not in TOP_LEVEL_PREFIXES
    ):
        raise ValueError(
            f"invalid document key {key!r}: expected a path under one of "
            f"{', '.join(p + '/' for p in TOP_LEVEL_PREFIXES)}"
        )
    return key


def meeting_document(meeting_id: str, name: str) -> str:
    """meetings/{meeting_id}/{name}: agenda.json, questions.json, context.json, notes.md, ..."""
    return validate_key(f"meetings/{meeting_id}/{name}")
