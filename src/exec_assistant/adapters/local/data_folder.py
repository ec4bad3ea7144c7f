"""The data folder: created on first use, checked writable, held by one process at a time."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from exec_assistant.domain.errors import DataFolderError, DataFolderInUse

LOCK_FILE = ".lock"
DATABASE_FILE = "exec-assistant.sqlite3"


LOCK_TRIES = 5
LOCK_PAUSE_SECONDS = 0.02


def _lock_soon(descriptor: int) -> None:
    """The folder's lock, or the OSError saying another process holds it. Tried a few times
    over a tenth of a second: `holder()` in another command holds a shared lock for an
    instant, which must not look like a process in the way."""
    for attempt in range(LOCK_TRIES):
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or attempt == LOCK_TRIES - 1:
                raise
            time.sleep(LOCK_PAUSE_SECONDS)


class DataFolder:
    """A folder laid out like the documents bucket, plus the database and a lock file."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()
        self._lock: IO[str] | None = None

    @property
    def database_path(self) -> Path:
        return self.path / DATABASE_FILE

    @property
    def config_path(self) -> Path:
        return self.path / "config"

    def prepare(self) -> None:
        """Create the folder if needed and prove it is writable, or say why not."""
        try:
            # Owner only: the folder holds meeting titles, answers, notes and packs.
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except FileExistsError:
            raise DataFolderError(
                f"data folder {self.path} exists but is not a folder",
                hint="Choose another location with --data-dir or EXEC_ASSISTANT_HOME.",
            ) from None
        except OSError as exc:
            raise DataFolderError(
                f"cannot create data folder {self.path}: {exc.strerror or exc}",
                hint="Choose another location with --data-dir or EXEC_ASSISTANT_HOME.",
            ) from None
        self._owner_only()
        probe = self.path / f".write-test-{os.getpid()}"
        try:
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise DataFolderError(
                f"data folder {self.path} is not writable: {exc.strerror or exc}",
                hint="Fix its permissions, or choose another with --data-dir or "
                "EXEC_ASSISTANT_HOME.",
            ) from None

    def _owner_only(self) -> None:
        """A folder made by hand (0755, say) is narrowed to its owner; best effort: a
        read-only or foreign folder is reported by the write test that follows."""
        try:
            status = self.path.stat()
            if status.st_uid == os.getuid() and status.st_mode & 0o077:
                self.path.chmod(0o700)
        except OSError:
            pass

    def acquire(self, command: str) -> None:
        """Hold the folder for this process; a second writer gets DataFolderInUse at once."""
        self.prepare()
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "a+", encoding="utf-8")
        try:
            _lock_soon(handle.fileno())
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                hint = "Wait for it to finish (or stop it), or use another --data-dir."
                if " serve " in f" {holder} ":
                    hint = (
                        "'exec-assistant serve' syncs and prepares on its own while it runs; "
                        "give answers with 'exec-assistant answer', and read with 'meetings', "
                        "'actions' and 'decisions'. Stop it (Ctrl-C) to run this command."
                    )
                raise DataFolderInUse(
                    f"data folder {self.path} is in use by {holder}", holder=holder, hint=hint
                ) from None
            raise DataFolderError(f"cannot lock data folder {self.path}: {exc}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"exec-assistant {command} (pid {os.getpid()})\n")
        handle.flush()
        self._lock = handle

    def holder(self) -> str | None:
        """What holds the folder now, as it wrote itself in the lock (`exec-assistant serve
        (pid 123)`); None when no process does. Nothing is held meanwhile but for an instant:
        a shared lock, taken and given back at once."""
        try:
            fd = os.open(self.path / LOCK_FILE, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DataFolderError(
                f"cannot read the lock of data folder {self.path}: {exc.strerror or exc}"
            ) from None
        with os.fdopen(fd, encoding="utf-8") as handle:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    return handle.read(200).strip() or "another process"
                raise DataFolderError(f"cannot lock data folder {self.path}: {exc}") from None
            fcntl.flock(fd, fcntl.LOCK_UN)
        return None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.seek(0)
            self._lock.truncate()
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> DataFolder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
