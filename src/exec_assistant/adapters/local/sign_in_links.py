"""The web page's one-time sign-in links in the data folder: one file per link under
`sign-in-links/`, named by the digest of its token and holding when it expires. Spending a
link is removing its file, which one process alone succeeds at: a link works once, however
many threads or processes are shown it at once, and a link made by another command works on
the `serve` already running."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path

from exec_assistant.adapters.local.private_file import is_partial, sync_folder, write_private_file
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
        try:
            text = path.read_text(encoding="ascii", errors="replace")[:64]
        except OSError:
            # Unknown or spent; or unreadable this once, and then kept for another try.
            return False
        try:
            path.unlink()  # the one step only one taker succeeds at
        except OSError:
            return False
        sync_folder(self._folder)  # spent for good, a power cut after this included
        expires_at = _expiry(text)
        self._remove_expired(valid_at)
        return expires_at is not None and valid_at < expires_at

    def clear(self) -> None:
        """Forget every link (and what a killed writer left half-written): `serve` does at
        its start, since the links were for the `serve` before."""
        try:
            paths = list(self._folder.iterdir())
        except OSError:
            return
        for path in paths:
            if _DIGEST.fullmatch(path.name) or is_partial(path):
                with contextlib.suppress(OSError):
                    path.unlink()
        sync_folder(self._folder)

    def _remove_expired(self, now: datetime) -> None:
        """The links no one used in time, looked for when one is spent (the next `serve`
        removes every link at its start)."""
        try:
            paths = [p for p in self._folder.iterdir() if _DIGEST.fullmatch(p.name)]
        except OSError:
            return
        for path in paths:
            try:
                expires_at = _expiry(path.read_text(encoding="ascii", errors="replace")[:64])
            except OSError:
                continue  # taken meanwhile, or unreadable this once
            if expires_at is None or expires_at <= now:
                with contextlib.suppress(OSError):  # taken or removed meanwhile
                    path.unlink()


def _expiry(text: str) -> datetime | None:
    """When the link expires; None when the file is not one this module wrote."""
    try:
        expires_at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return expires_at if expires_at.tzinfo is not None else None
