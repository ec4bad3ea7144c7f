"""Shared fixtures: every test runs with a clean environment and its own home folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from exec_assistant.configuration import load_config
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules

from factories import EXEC, NEW_YORK
from moto_server import AwsEndpoint, MotoServer


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("EXEC_ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "240")
    # A command run in-process sets up the product's logging (its own handler, no
    # propagation): every test starts from the logger as Python gives it, so that caplog
    # sees what the code logs whatever ran before on this worker.
    product = logging.getLogger("exec_assistant")
    handlers, level, propagate = list(product.handlers), product.level, product.propagate
    product.propagate = True
    yield
    product.handlers[:] = handlers
    product.setLevel(level)
    product.propagate = propagate


@pytest.fixture(scope="session")
def catalog() -> MeetingTypeCatalog:
    return load_config(None).catalog


@pytest.fixture(scope="session")
def rules() -> NotificationRules:
    return load_config(None).rules


@pytest.fixture
def executive() -> Executive:
    return Executive(EXEC, NEW_YORK)


@pytest.fixture(scope="session")
def aws() -> Iterator[AwsEndpoint]:
    """The moto server of this test process (see `moto_server`)."""
    server = MotoServer()
    try:
        yield server.endpoint
    finally:
        server.stop()
