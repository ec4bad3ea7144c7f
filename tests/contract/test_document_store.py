"""The DocumentStore contract, over every adapter; then what only the folder store promises."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exec_assistant.adapters.aws.s3_document_store import S3DocumentStore
from exec_assistant.adapters.local.folder_document_store import FolderDocumentStore
from exec_assistant.adapters.memory import InMemoryDocumentStore
from exec_assistant.domain.documents import TOP_LEVEL_PREFIXES
from exec_assistant.ports import DocumentStore


def _s3_store(request: pytest.FixtureRequest, tmp_path: Path) -> DocumentStore:
    """A fresh bucket on the moto server, objects encrypted with a key of its own."""
    aws = request.getfixturevalue("aws")
    bucket = aws.unique("documents")
    aws.client("s3").create_bucket(Bucket=bucket)
    key_id = aws.client("kms").create_key()["KeyMetadata"]["KeyId"]
    return S3DocumentStore(aws.client("s3"), bucket, key_id)


# One more entry here runs the whole suite against another store.
STORES: dict[str, Callable[[pytest.FixtureRequest, Path], DocumentStore]] = {
    "memory": lambda request, tmp_path: InMemoryDocumentStore(),
    "folder": lambda request, tmp_path: FolderDocumentStore(tmp_path / "data"),
    "s3": _s3_store,
}

INVALID_KEYS = [
    "../x",
    "/abs",
    "other/x",
    "meetings//x",
    "",
    "meetings/mtg_1/line\nbreak.md",
    "meetings/mtg_1/\x00",
    "meetings/mtg_1/esc\x1b[31m.md",
    "meetings/mtg_1/del\x7f.md",
]
VALID_KEYS = [
    "meetings/mtg_1/agenda.json",
    "sessions/ses_1.json",
    "agents/briefing/prompt.md",
    "config/settings.yaml",
    "temp/upload.bin",
]


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    yield STORES[request.param](request, tmp_path)


class TestDocumentStore:
    def test_put_then_get_returns_the_same_bytes(self, store: DocumentStore) -> None:
        data = bytes(range(256)) + "héllo\n".encode()
        store.put("meetings/mtg_1/agenda.json", data, content_type="application/json")

        assert store.get("meetings/mtg_1/agenda.json") == data

    def test_empty_document_round_trips(self, store: DocumentStore) -> None:
        store.put("temp/empty", b"")

        assert store.get("temp/empty") == b""
        assert store.exists("temp/empty")

    def test_put_overwrites(self, store: DocumentStore) -> None:
        store.put("meetings/mtg_1/notes.md", b"a much longer first version of the notes")
        store.put("meetings/mtg_1/notes.md", b"short")

        assert store.get("meetings/mtg_1/notes.md") == b"short"
        assert store.list() == ["meetings/mtg_1/notes.md"]

    def test_get_of_a_missing_key_is_none(self, store: DocumentStore) -> None:
        assert store.get("meetings/mtg_1/agenda.json") is None
        store.put("meetings/mtg_1/notes.md", b"x")
        assert store.get("meetings/mtg_1/agenda.json") is None
        assert store.get("meetings/mtg_2/notes.md") is None

    def test_exists(self, store: DocumentStore) -> None:
        assert not store.exists("config/settings.yaml")
        store.put("config/settings.yaml", b"user_email: x@example.com\n")
        assert store.exists("config/settings.yaml")
        assert not store.exists("config/other.yaml")

    def test_list_is_sorted_and_filtered_by_prefix(self, store: DocumentStore) -> None:
        keys = [
            "sessions/ses_1.json",
            "meetings/mtg_2/agenda.json",
            "meetings/mtg_1/notes.md",
            "config/settings.yaml",
            "meetings/mtg_1/agenda.json",
            "meetings/mtg_10/agenda.json",
        ]
        for key in keys:
            store.put(key, key.encode())

        assert store.list() == sorted(keys)
        assert store.list("meetings/") == [
            "meetings/mtg_1/agenda.json",
            "meetings/mtg_1/notes.md",
            "meetings/mtg_10/agenda.json",
            "meetings/mtg_2/agenda.json",
        ]
        assert store.list("meetings/mtg_1/") == [
            "meetings/mtg_1/agenda.json",
            "meetings/mtg_1/notes.md",
        ]
        assert store.list("sessions/") == ["sessions/ses_1.json"]
        assert store.list("agents/") == []
        assert store.list("meetings/mtg_3/") == []

    def test_list_of_an_empty_store_is_empty(self, store: DocumentStore) -> None:
        assert store.list() == []
        assert store.list("meetings/") == []

    def test_delete(self, store: DocumentStore) -> None:
        store.put("meetings/mtg_1/agenda.json", b"a")
        store.put("meetings/mtg_1/notes.md", b"n")

        store.delete("meetings/mtg_1/agenda.json")

        assert store.get("meetings/mtg_1/agenda.json") is None
        assert not store.exists("meetings/mtg_1/agenda.json")
        assert store.list() == ["meetings/mtg_1/notes.md"]
        assert store.get("meetings/mtg_1/notes.md") == b"n"

    def test_delete_of_a_missing_key_is_fine(self, store: DocumentStore) -> None:
        store.delete("meetings/mtg_1/agenda.json")
        store.put("meetings/mtg_1/agenda.json", b"a")
        store.delete("meetings/mtg_1/agenda.json")
        store.delete("meetings/mtg_1/agenda.json")

        assert store.list() == []

    def test_a_prefix_of_other_documents_is_not_a_document(self, store: DocumentStore) -> None:
        store.put("meetings/mtg_1/agenda.json", b"a")

        assert not store.exists("meetings/mtg_1")
        assert store.get("meetings/mtg_1") is None

    def test_deleting_a_prefix_of_other_documents_keeps_them(self, store: DocumentStore) -> None:
        store.put("meetings/mtg_1/agenda.json", b"a")

        store.delete("meetings/mtg_1")

        assert store.get("meetings/mtg_1/agenda.json") == b"a"

    @pytest.mark.parametrize("key", INVALID_KEYS)
    def test_invalid_keys_are_refused(self, store: DocumentStore, key: str) -> None:
        with pytest.raises(ValueError, match="invalid document key"):
            store.put(key, b"x")
        with pytest.raises(ValueError):
            store.get(key)
        with pytest.raises(ValueError):
            store.exists(key)
        with pytest.raises(ValueError):
            store.delete(key)
        with pytest.raises(ValueError):
            store.location(key)
        assert store.list() == []

    @pytest.mark.parametrize("key", VALID_KEYS)
    def test_keys_under_every_top_level_prefix_are_accepted(
        self, store: DocumentStore, key: str
    ) -> None:
        store.put(key, b"content of " + key.encode())

        assert store.get(key) == b"content of " + key.encode()
        assert store.exists(key)
        assert store.list(key.split("/")[0] + "/") == [key]
        assert store.location(key)

    def test_the_valid_keys_cover_every_top_level_prefix(self) -> None:
        assert {k.split("/")[0] for k in VALID_KEYS} == set(TOP_LEVEL_PREFIXES)


class TestFolderDocumentStore:
    def test_location_is_the_file_holding_the_document(self, tmp_path: Path) -> None:
        root = tmp_path / "data"
        store = FolderDocumentStore(root)
        store.put("meetings/mtg_1/agenda.json", b'{"items": []}')

        location = Path(store.location("meetings/mtg_1/agenda.json"))

        assert location.is_absolute()
        assert location.is_file()
        assert location.read_bytes() == b'{"items": []}'
        assert location == root / "meetings" / "mtg_1" / "agenda.json"

    def test_no_temporary_files_are_left_behind(self, tmp_path: Path) -> None:
        root = tmp_path / "data"
        store = FolderDocumentStore(root)
        for key in VALID_KEYS:
            store.put(key, b"first")
            store.put(key, b"second")

        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

        assert files == sorted(VALID_KEYS)

    def test_other_files_in_the_data_folder_are_not_documents(self, tmp_path: Path) -> None:
        root = tmp_path / "data"
        store = FolderDocumentStore(root)
        store.put("meetings/mtg_1/agenda.json", b"a")
        (root / "exec-assistant.sqlite3").write_bytes(b"db")
        (root / ".lock").write_text("")
        (root / "meetings" / "mtg_1" / ".tmp-abc123.json").write_bytes(b"half a write")

        assert store.list() == ["meetings/mtg_1/agenda.json"]

    def test_list_of_a_missing_folder_is_empty(self, tmp_path: Path) -> None:
        store = FolderDocumentStore(tmp_path / "does-not-exist")

        assert store.list() == []
        assert store.get("meetings/mtg_1/agenda.json") is None
        assert not (tmp_path / "does-not-exist").exists()
