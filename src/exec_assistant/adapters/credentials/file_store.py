"""Calendar authorizations as files readable by their owner only: `<folder>/<provider>.json`
(mode 0600, in a 0700 folder), where the machine has no OS keyring."""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exec_assistant.domain.errors import ExecAssistantError

_PROVIDER = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class CredentialFileError(ExecAssistantError):
    """An authorization file that cannot be used: open to others, damaged, unreadable."""


class FileCredentialStore:
    """`CredentialStore` on a folder of JSON files.

    A file that group or others may read is refused, as ssh refuses such a key: the token in
    it may have been read. A write goes to a new 0600 file that replaces the old one, so a
    crash leaves the old authorization or the new one, and a symlink put in its place is
    replaced, not followed.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @property
    def location(self) -> str:
        return f"the folder {self._folder}"

    def _path(self, provider: str) -> Path:
        if not _PROVIDER.fullmatch(provider):
            raise ValueError(f"not a provider name: {provider[:40]!r}")
        return self._folder / f"{provider}.json"

    def load(self, provider: str) -> dict[str, Any] | None:
        path = self._path(provider)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CredentialFileError(
                f"cannot read {path}: {exc.strerror or exc}",
                hint="Check the file's owner and permissions, or connect the account again.",
            ) from None
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise CredentialFileError(
                    f"{path} may be read by other users (mode {stat.S_IMODE(mode):o}): "
                    "its authorization is not used",
                    hint=f"Run 'chmod 600 {path}', and connect the account again if others "
                    "may have read it.",
                )
            raw = handle.read()
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            value = None
        if not isinstance(value, dict):
            raise CredentialFileError(
                f"{path} is not an authorization (a JSON object)",
                hint=f"Connect the account again: 'exec-assistant calendars add {provider}'.",
            )
        return value

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        path = self._path(provider)
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._folder.chmod(0o700)
        data = json.dumps(dict(authorization), indent=2).encode()
        # mkstemp creates the file 0600: the token is never readable by others, not even
        # for a moment.
        fd, tmp = tempfile.mkstemp(dir=self._folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, provider: str) -> None:
        self._path(provider).unlink(missing_ok=True)
