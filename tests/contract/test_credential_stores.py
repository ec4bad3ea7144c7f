"""One contract for every store of calendar authorizations: in memory, 0600 files, the OS
keyring, and the calendar secret in Secrets Manager (on a moto server)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from exec_assistant.adapters.aws.secrets_manager_credentials import SecretsManagerCredentialStore
from exec_assistant.adapters.credentials.file_store import CredentialFileError, FileCredentialStore
from exec_assistant.adapters.credentials.keyring_store import KeyringCredentialStore
from exec_assistant.adapters.memory import InMemoryCredentialStore
from exec_assistant.ports import CredentialStore

from moto_server import AwsEndpoint

GOOGLE = {
    "token": "ya29.access",
    "refresh_token": "1//refresh",
    "token_uri": "https://oauth2.googleapis.com/token",
    "client_id": "123.apps.googleusercontent.com",
    "client_secret": "GOCSPX-x",
    "expiry": "2026-12-03T12:00:00Z",
    "scopes": ["https://www.googleapis.com/auth/calendar.readonly"],
    "provider": "google",
}


class DictKeyring(KeyringBackend):
    """A real keyring backend holding its entries in a dict, as an OS keyring would."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


@pytest.fixture
def dict_keyring() -> Iterator[DictKeyring]:
    before = keyring.get_keyring()
    backend = DictKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


def _memory(tmp_path: Path, fixture: Callable[[str], Any]) -> CredentialStore:
    return InMemoryCredentialStore()


def _file(tmp_path: Path, fixture: Callable[[str], Any]) -> CredentialStore:
    return FileCredentialStore(tmp_path / "credentials")


def _keyring(tmp_path: Path, fixture: Callable[[str], Any]) -> CredentialStore:
    fixture("dict_keyring")
    return KeyringCredentialStore(service=f"exec-assistant-test-{tmp_path.name}")


def _secrets_manager(tmp_path: Path, fixture: Callable[[str], Any]) -> CredentialStore:
    aws: AwsEndpoint = fixture("aws")
    client = aws.client("secretsmanager")
    name = aws.unique("exec-assistant/calendar")
    client.create_secret(Name=name, SecretString="{}")
    return SecretsManagerCredentialStore(client, name)


BACKENDS = {
    "memory": _memory,
    "file": _file,
    "keyring": _keyring,
    "secrets_manager": _secrets_manager,
}


@pytest.fixture(params=list(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> CredentialStore:
    return BACKENDS[request.param](tmp_path, request.getfixturevalue)


def test_nothing_is_stored_at_first(store: CredentialStore) -> None:
    assert store.load("google") is None


def test_what_is_saved_is_loaded_whole(store: CredentialStore) -> None:
    store.save("google", GOOGLE)
    assert store.load("google") == GOOGLE


def test_a_refreshed_token_replaces_the_earlier_authorization(store: CredentialStore) -> None:
    store.save("google", GOOGLE)
    store.save("google", {**GOOGLE, "token": "ya29.new", "expiry": "2026-12-03T13:00:00Z"})
    loaded = store.load("google")
    assert loaded is not None and loaded["token"] == "ya29.new"
    assert loaded["refresh_token"] == GOOGLE["refresh_token"]


def test_one_providers_authorization_is_not_another_s(store: CredentialStore) -> None:
    store.save("google", GOOGLE)
    assert store.load("microsoft") is None


def test_a_deleted_authorization_is_gone_and_deleting_twice_is_fine(
    store: CredentialStore,
) -> None:
    store.save("google", GOOGLE)
    store.delete("google")
    store.delete("google")
    assert store.load("google") is None


def test_the_location_names_where_without_a_value(store: CredentialStore) -> None:
    store.save("google", GOOGLE)
    assert "ya29" not in store.location and "refresh" not in store.location


# ---- the file store: what only files can get wrong ---------------------------------------


def test_the_file_and_its_folder_are_the_owners_only(tmp_path: Path) -> None:
    store = FileCredentialStore(tmp_path / "credentials")
    store.save("google", GOOGLE)
    assert stat.S_IMODE((tmp_path / "credentials").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "credentials" / "google.json").stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "credentials").iterdir()] == ["google.json"]


def test_a_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    store = FileCredentialStore(tmp_path / "credentials")
    store.save("google", GOOGLE)
    path = tmp_path / "credentials" / "google.json"
    path.chmod(0o644)
    with pytest.raises(CredentialFileError) as caught:
        store.load("google")
    assert "chmod 600" in (caught.value.hint or "")
    assert "ya29" not in str(caught.value)


def test_a_damaged_file_is_named_not_shown(tmp_path: Path) -> None:
    folder = tmp_path / "credentials"
    folder.mkdir(mode=0o700)
    path = folder / "google.json"
    path.write_text('["ya29.secret"', encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(CredentialFileError) as caught:
        FileCredentialStore(folder).load("google")
    assert str(path) in str(caught.value) and "ya29" not in str(caught.value)
    assert "calendars add google" in (caught.value.hint or "")


def test_a_symlink_in_place_of_the_file_is_neither_read_nor_written_through(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "credentials"
    folder.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(GOOGLE), encoding="utf-8")
    elsewhere.chmod(0o600)
    (folder / "google.json").symlink_to(elsewhere)
    store = FileCredentialStore(folder)
    with pytest.raises(CredentialFileError):
        store.load("google")
    store.save("google", {**GOOGLE, "token": "ya29.new"})
    assert json.loads(elsewhere.read_text(encoding="utf-8"))["token"] == GOOGLE["token"]
    assert not (folder / "google.json").is_symlink()


def test_a_provider_name_cannot_reach_outside_the_folder(tmp_path: Path) -> None:
    store = FileCredentialStore(tmp_path / "credentials")
    for name in ("../escape", "a/b", "", "Google"):
        with pytest.raises(ValueError):
            store.save(name, GOOGLE)
    assert not (tmp_path / "escape.json").exists()


def test_an_authorization_that_cannot_be_written_leaves_the_earlier_one(tmp_path: Path) -> None:
    store = FileCredentialStore(tmp_path / "credentials")
    store.save("google", GOOGLE)

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        store.save("google", {**GOOGLE, "token": Unserialisable()})
    assert store.load("google") == GOOGLE
    assert [p.name for p in (tmp_path / "credentials").iterdir()] == ["google.json"]


# ---- the calendar secret: what it shares with its rotation -------------------------------


def test_the_calendar_secret_holds_a_google_authorization_without_a_provider_key(
    aws: AwsEndpoint,
) -> None:
    # As its rotation and `aws secretsmanager put-secret-value` leave it: no `provider`.
    client = aws.client("secretsmanager")
    name = aws.unique("exec-assistant/calendar")
    bare = {k: v for k, v in GOOGLE.items() if k != "provider"}
    client.create_secret(Name=name, SecretString=json.dumps({**bare, "rotated_by": "x"}))
    store = SecretsManagerCredentialStore(client, name)
    loaded = store.load("google")
    assert loaded is not None and loaded["refresh_token"] == GOOGLE["refresh_token"]
    store.save("google", {**loaded, "token": "ya29.new"})
    kept = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    assert kept["rotated_by"] == "x" and kept["token"] == "ya29.new"
    assert store.load("microsoft") is None


def test_a_calendar_secret_that_is_not_json_is_named(aws: AwsEndpoint) -> None:
    from exec_assistant.domain.errors import SecretUnavailable

    client = aws.client("secretsmanager")
    name = aws.unique("exec-assistant/calendar")
    client.create_secret(Name=name, SecretString="ya29.plain-token")
    with pytest.raises(SecretUnavailable) as caught:
        SecretsManagerCredentialStore(client, name).load("google")
    assert name in str(caught.value) and "ya29" not in str(caught.value)


def test_no_calendar_secret_at_all_reads_as_no_authorization(aws: AwsEndpoint) -> None:
    client = aws.client("secretsmanager")
    store = SecretsManagerCredentialStore(client, aws.unique("exec-assistant/absent"))
    assert store.load("google") is None
