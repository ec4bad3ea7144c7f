"""The archives `make package` builds, as stand-ins, for every infrastructure test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_program import package_artifacts


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package_artifacts(tmp_path_factory.mktemp("lambda"))
