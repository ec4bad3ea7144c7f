"""Fixtures for executing state machines on the moto server."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

from lambda_front import LambdaFront
from moto_server import AwsEndpoint
from operation_log import OperationLog


@pytest.fixture(scope="session")
def lambda_front(aws: AwsEndpoint) -> Iterator[LambdaFront]:
    """The Lambda front of this test process, where moto's executor sends its calls
    (MOTO_PORT, read at each call) for as long as the session lasts."""
    front = LambdaFront(aws.url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTO_PORT", str(front.port))
        try:
            yield front
        finally:
            front.stop()


@pytest.fixture
def retry_pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses moto's executor takes before each retry, as the definition asks for them,
    recorded instead of slept: the definition keeps its real intervals (2, 4, 8 s) and the
    test does not wait them. The peer's clock, not the project's code, is what is faked."""
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=sleep))
    return pauses


@pytest.fixture(scope="session")
def operations() -> OperationLog:
    """The AWS calls each Lambda function made, over every test that records them."""
    return OperationLog()
