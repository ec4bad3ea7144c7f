"""The data folder's sign-in links: kept by digest alone, readable by their owner only, and
the links no one used removed once they have expired."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.local.sign_in_links import LINKS_FOLDER, FolderSignInLinkRepository
from exec_assistant.adapters.memory import InMemorySignInLinkRepository
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.sign_in_links import link_digest, new_link_token
from exec_assistant.services.sign_in_links import SignInLinks

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_only_the_digest_is_kept_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    token = new_link_token()
    FolderSignInLinkRepository(tmp_path).add(link_digest(token), T0 + timedelta(minutes=5))
    folder = tmp_path / LINKS_FOLDER
    (kept,) = folder.iterdir()
    assert kept.name == link_digest(token)
    assert token not in kept.read_text()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_links_left_unused_are_removed_once_expired(tmp_path: Path) -> None:
    links = FolderSignInLinkRepository(tmp_path)
    stale, fresh = link_digest(new_link_token()), link_digest(new_link_token())
    links.add(stale, T0 + timedelta(minutes=15))
    links.add(fresh, T0 + timedelta(hours=24))
    used = link_digest(new_link_token())
    links.add(used, T0 + timedelta(hours=2))
    assert links.take(used, T0 + timedelta(hours=1)) is True  # a sign-in, and a look around
    assert [p.name for p in (tmp_path / LINKS_FOLDER).iterdir()] == [fresh]


@pytest.mark.parametrize(
    "digest", ["../../web-session.key", "", "A" * 64, "0" * 63, "0" * 64 + "\n", "*"]
)
def test_a_value_that_is_not_a_digest_reaches_no_file(tmp_path: Path, digest: str) -> None:
    (tmp_path / "web-session.key").write_bytes(b"k" * 32)
    links = FolderSignInLinkRepository(tmp_path)
    assert links.take(digest, T0) is False
    assert (tmp_path / "web-session.key").exists()
    with pytest.raises(ValueError):
        links.add(digest, T0)


def test_a_file_that_is_not_a_link_signs_nobody_in(tmp_path: Path) -> None:
    digest = link_digest(new_link_token())
    (tmp_path / LINKS_FOLDER).mkdir()
    (tmp_path / LINKS_FOLDER / digest).write_text("not a time")
    assert FolderSignInLinkRepository(tmp_path).take(digest, T0) is False
    naive = link_digest(new_link_token())
    (tmp_path / LINKS_FOLDER / naive).write_text("2099-01-01T00:00:00")  # no zone
    assert FolderSignInLinkRepository(tmp_path).take(naive, T0) is False


def test_a_new_serve_forgets_the_links_and_what_a_killed_writer_left(tmp_path: Path) -> None:
    links = FolderSignInLinkRepository(tmp_path)
    digest = link_digest(new_link_token())
    links.add(digest, T0 + timedelta(hours=24))
    folder = tmp_path / LINKS_FOLDER
    (folder / f".{link_digest(new_link_token())}.4242").write_text("2026-12")  # killed mid-write
    (folder / "notes.txt").write_text("not ours")
    links.clear()
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert links.take(digest, T0) is False


def test_an_entry_that_cannot_be_read_is_left_as_it_is(tmp_path: Path) -> None:
    digest = link_digest(new_link_token())
    odd = tmp_path / LINKS_FOLDER / digest
    odd.mkdir(parents=True)  # not a file: reading it fails, as an unreadable file's would
    assert FolderSignInLinkRepository(tmp_path).take(digest, T0) is False
    assert odd.is_dir()


def test_a_link_is_made_for_some_time_only() -> None:
    links = SignInLinks(InMemorySignInLinkRepository(), FixedClock(T0))
    for lifetime in (timedelta(0), timedelta(minutes=-5)):
        with pytest.raises(ValueError, match="positive"):
            links.issue(lifetime)
