"""The web page's one-time sign-in links in the data folder: one file per link under
`sign-in-links/`, named by the digest of its token and holding when it expires. Spending a
link is removing its file, which one process alone succeeds at: a link works once, however
many `serve` processes or threads are shown it at once, and a link made by another command
works on the `serve` already running."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path

from exec_assistant.adapters.local.private_file import write_private_file
from exec_assistant.domain.errors import DataFolderError

LINKS_FOLDER = "sign-in-links"
_DIGEST = re.compile(r"[0-9a-f]{64}")


class FolderSignInLinkRepository:
    def __init__(self, data_folder: Path) -> None:
        self._folder = data_folder / LINKS_FOLDER

    def add(self, digest: str, expires_at: datetime) -> None:
        if not _DIGEST.fullmatch(digest):
            raise ValueError("a sign-in link's digest is 64 lowercase hex digits")
        try:
            self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise DataFolderError(
                f"cannot make {self._folder}: {exc.strerror or exc}",
                hint="Make the data folder writable by you.",
            ) from None
        expiry = expires_at.isoformat().encode("ascii")
        write_private_file(self._folder / digest, expiry, "a sign-in link")

    def take(self, digest: str, valid_at: datetime) -> bool:
        if not _DIGEST.fullmatch(digest):
            return False
        path = self._folder / digest
        expires_at = _expiry(path)
        try:
            path.unlink()  # the one step only one taker succeeds at
        except OSError:
            taken = False
        else:
            taken = expires_at is not None and valid_at < expires_at
        self._remove_expired(valid_at)
        return taken

    def _remove_expired(self, now: datetime) -> None:
        """The links no one used in time (each start of `serve` leaves one)."""
        try:
            paths = [p for p in self._folder.iterdir() if _DIGEST.fullmatch(p.name)]
        except OSError:
            return
        for path in paths:
            expires_at = _expiry(path)
            if expires_at is None or expires_at <= now:
                with contextlib.suppress(OSError):  # taken or removed meanwhile
                    path.unlink()


def _expiry(path: Path) -> datetime | None:
    """When the link expires; None when it is gone or its file is not one this module wrote."""
    try:
        text = path.read_text(encoding="ascii")[:64]
        expires_at = datetime.fromisoformat(text)
    except (OSError, ValueError):
        return None
    return expires_at if expires_at.tzinfo is not None else None
