"""The DocumentStore port on a folder laid out like the documents bucket."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from exec_assistant.domain.documents import TOP_LEVEL_PREFIXES, validate_key
from exec_assistant.domain.errors import DataFolderError


def _owner_only_folders(folder: Path) -> None:
    """Create `folder` and the folders above it that are missing, each readable by its owner
    only (mkdir's mode applies to the last one alone)."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


class FolderDocumentStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*PurePosixPath(validate_key(key)).parts)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        target = self._path(key)
        try:
            _owner_only_folders(target.parent)
            # Write then rename: a crash leaves the old document or the new one, never half.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                Path(tmp).replace(target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise DataFolderError(f"cannot write {target}: {exc.strerror or exc}") from None

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            # A key that is only a prefix of other documents is not a document.
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        if not self._root.is_dir():
            return []
        keys = []
        for top in TOP_LEVEL_PREFIXES:
            base = self._root / top
            if not base.is_dir():
                continue
            for path in base.rglob("*"):
                if path.is_file() and not path.name.startswith(".tmp-"):
                    key = path.relative_to(self._root).as_posix()
                    if key.startswith(prefix):
                        keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_file():
            path.unlink(missing_ok=True)

    def location(self, key: str) -> str:
        return str(self._path(key))
