"""The SignInLinkRepository contract: a sign-in link is taken once, until it expires, on
every adapter; a second repository over the same store is what another process sees.

Its own backends (not tests/contract/conftest.py's Repositories): one more entry in BACKENDS
runs the whole suite against another store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.local.sign_in_links import FolderSignInLinkRepository
from exec_assistant.adapters.memory import InMemorySignInLinkRepository
from exec_assistant.domain.sign_in_links import link_digest, new_link_token
from exec_assistant.ports import SignInLinkRepository

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
Opener = Callable[[], SignInLinkRepository]
"""Another repository over the same store (another process, for the folder)."""


def _memory(tmp_path: Path) -> Opener:
    shared = InMemorySignInLinkRepository()
    return lambda: shared


def _folder(tmp_path: Path) -> Opener:
    return lambda: FolderSignInLinkRepository(tmp_path / "data")


BACKENDS: dict[str, Callable[[Path], Opener]] = {"memory": _memory, "folder": _folder}


@pytest.fixture(params=list(BACKENDS))
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    return BACKENDS[request.param](tmp_path)


def _digest() -> str:
    return link_digest(new_link_token())


def test_a_link_is_taken_once(opener: Opener) -> None:
    links = opener()
    digest = _digest()
    links.add(digest, T0 + timedelta(minutes=15))
    assert links.take(digest, T0) is True
    assert links.take(digest, T0) is False
    assert opener().take(digest, T0) is False


def test_a_link_made_by_one_is_taken_by_another(opener: Opener) -> None:
    digest = _digest()
    opener().add(digest, T0 + timedelta(minutes=15))
    assert opener().take(digest, T0 + timedelta(minutes=14)) is True


def test_an_unknown_link_is_not_taken(opener: Opener) -> None:
    links = opener()
    links.add(_digest(), T0 + timedelta(minutes=15))
    assert links.take(_digest(), T0) is False


def test_a_link_is_not_taken_once_it_has_expired_nor_later(opener: Opener) -> None:
    links = opener()
    digest = _digest()
    links.add(digest, T0 + timedelta(minutes=15))
    assert links.take(digest, T0 + timedelta(minutes=15)) is False
    assert links.take(digest, T0) is False  # spent by the late attempt, not kept for later


def test_links_are_independent(opener: Opener) -> None:
    links = opener()
    first, second = _digest(), _digest()
    links.add(first, T0 + timedelta(minutes=15))
    links.add(second, T0 + timedelta(hours=24))
    assert links.take(first, T0 + timedelta(hours=1)) is False  # expired
    assert links.take(second, T0 + timedelta(hours=1)) is True


def test_many_taking_one_link_at_once_sign_one_in(opener: Opener) -> None:
    digest = _digest()
    opener().add(digest, T0 + timedelta(minutes=15))
    takers = [opener() for _ in range(16)]
    start = threading.Barrier(len(takers))
    taken: list[bool] = []
    lock = threading.Lock()

    def take(links: SignInLinkRepository) -> None:
        start.wait()
        result = links.take(digest, T0)
        with lock:
            taken.append(result)

    threads = [threading.Thread(target=take, args=(links,)) for links in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(taken) == [False] * 15 + [True]
