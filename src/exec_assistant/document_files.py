"""A folder of the document store read as files: what the configuration and the context
providers read on AWS (the documents bucket's `config/`) where one machine reads a folder.

`DocumentFolder / "budget.yaml"` is a `DocumentFile` with the few methods of `Path` those
readers use (`exists`, `read_bytes`, and its location as its text), so they take either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from exec_assistant.ports import DocumentStore


class ReadableFile(Protocol):
    """What the readers of configuration and context files need of a file (a `Path` is one)."""

    def exists(self) -> bool: ...

    def read_bytes(self) -> bytes: ...


class FileFolder(Protocol):
    """A folder of ReadableFiles (a `Path` is one)."""

    def __truediv__(self, name: str) -> ReadableFile: ...


class DocumentFile:
    def __init__(self, store: DocumentStore, key: str) -> None:
        self._store = store
        self.key = key

    def exists(self) -> bool:
        return self._store.exists(self.key)

    def read_bytes(self) -> bytes:
        data = self._store.get(self.key)
        if data is None:
            raise FileNotFoundError(self.key)
        return data

    def __str__(self) -> str:
        return self._store.location(self.key)


class DocumentFolder:
    """The documents under `prefix` (`config/`, `config/context/`)."""

    def __init__(self, store: DocumentStore, prefix: str) -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self._store = store
        self.prefix = prefix

    def __truediv__(self, name: str) -> DocumentFile:
        return DocumentFile(self._store, self.prefix + name)

    def __str__(self) -> str:
        return self.prefix
