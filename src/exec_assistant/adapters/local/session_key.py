"""The key that signs the web page's session cookies on this machine: made once, kept in the
data folder readable by its owner only, so a restart of `serve` keeps everyone signed in."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from exec_assistant.domain.errors import DataFolderError

KEY_FILE = "web-session.key"
KEY_BYTES = 32


def session_key(folder: Path) -> bytes:
    path = folder / KEY_FILE
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        stored = b""
    except OSError as exc:
        raise DataFolderError(
            f"cannot read the web page's session key {path}: {exc.strerror or exc}",
            hint="Make the data folder readable by you, or delete the file to sign in again.",
        ) from None
    if len(stored) >= KEY_BYTES:
        return stored[:KEY_BYTES]
    key = secrets.token_bytes(KEY_BYTES)
    partial = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except OSError as exc:
        raise DataFolderError(
            f"cannot write the web page's session key {path}: {exc.strerror or exc}",
            hint="Make the data folder writable by you.",
        ) from None
    return key
