"""The deployment's AWS clients against a service that accepts a connection and then never
answers: each call gives up, named, within its budget, instead of outliving the function."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ReadTimeoutError

from exec_assistant.adapters.aws.dynamodb_meetings import DynamoMeetingRepository
from exec_assistant.aws_clients import (
    ATTEMPTS,
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    AwsClients,
)
from exec_assistant.lambda_functions import FUNCTIONS

from moto_server import AwsEndpoint


class SilentService:
    """Accepts every connection, reads the request, answers nothing."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)

    def close(self) -> None:
        self._socket.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def silent() -> Iterator[SilentService]:
    service = SilentService()
    try:
        yield service
    finally:
        service.close()


def test_a_service_that_never_answers_fails_the_call_after_its_attempts(
    silent: SilentService, aws: AwsEndpoint
) -> None:
    clients = AwsClients(aws.session(), endpoint_url=silent.url, read_timeout=0.3)
    meetings = DynamoMeetingRepository(clients.client("dynamodb"), "exec-assistant-meetings")
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        meetings.get("mtg_0123456789abcdef")
    took = time.monotonic() - started
    assert silent.accepted == ATTEMPTS
    assert took < ATTEMPTS * 0.3 + 4  # the timeouts and standard mode's short backoff


def test_the_default_budget_of_a_hanging_call_fits_the_shortest_function() -> None:
    # Standard mode backs off at most 1 s, then 2 s, between the attempts.
    worst = ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + 1 + 2
    assert worst < min(f.timeout_seconds for f in FUNCTIONS)
