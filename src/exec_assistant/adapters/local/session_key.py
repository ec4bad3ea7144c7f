"""The key that signs the web page's session cookies on this machine: made once, kept in the
data folder readable by its owner only, so a restart of `serve` keeps everyone signed in."""

from __future__ import annotations

import secrets
from pathlib import Path

from exec_assistant.adapters.local.private_file import write_private_file
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
    write_private_file(path, key, "the web page's session key")
    return key
