"""A small file of the data folder written whole or not at all, readable by its owner only:
written beside its place under a name of this process, synced, then moved into place, and
the move itself synced, so that a power cut leaves the old file or the new one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from exec_assistant.domain.errors import DataFolderError


def write_private_file(path: Path, data: bytes, what: str) -> None:
    """Write `data` to `path` (0600); DataFolderError naming `what` when it cannot be."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except OSError as exc:
        raise DataFolderError(
            f"cannot write {what} {path}: {exc.strerror or exc}",
            hint="Make the data folder writable by you.",
        ) from None
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Make the files added to or removed from `folder` durable (best effort: a file system
    that cannot sync a folder has nothing more to give)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def is_partial(path: Path) -> bool:
    """A file `write_private_file` left half-written when its process was killed."""
    return path.name.startswith(".") and path.name.rsplit(".", 1)[-1].isdigit()
