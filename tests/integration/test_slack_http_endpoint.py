"""`POST /slack/events` over real HTTP (uvicorn on 127.0.0.1): every bad request refused with
the right status, the server still serving after each."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from exec_assistant.domain.errors import ConfigError
from exec_assistant.slack.http_endpoint import (
    RunningEndpoint,
    run_http_endpoint,
    slack_asgi_app,
)

from slack_api import SlackApiServer
from slack_requests import (
    FORM,
    STRANGER,
    RecordingListeners,
    command_body,
    event_body,
    make_app,
    signed,
    url_verification_body,
)

LIMIT = 4096


@dataclass
class Served:
    endpoint: RunningEndpoint
    slack: SlackApiServer
    messages: list[str]
    slow_done: threading.Event

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.endpoint.port, timeout=10)
        try:
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def still_serving(self) -> bool:
        status, body = self.post(*signed(url_verification_body("alive")))
        return status == 200 and json.loads(body) == {"challenge": "alive"}


@pytest.fixture
def served() -> Iterator[Served]:
    listeners = RecordingListeners(slow_seconds=3.5)

    with SlackApiServer() as slack:
        app = make_app(slack.base_url, listeners.register)
        stop = threading.Event()
        endpoint = run_http_endpoint(
            slack_asgi_app(app, max_body_bytes=LIMIT), "127.0.0.1", 0, stop
        )
        try:
            yield Served(endpoint, slack, listeners.messages, listeners.slow_done)
        finally:
            stop.set()
            endpoint.join(5)


def test_a_signed_event_is_handled(served: Served) -> None:
    status, _ = served.post(*signed(event_body("Ev1", text="hi")))
    assert status == 200
    _eventually(lambda: served.messages == ["hi"])


def test_the_url_verification_challenge_is_answered(served: Served) -> None:
    status, body = served.post(*signed(url_verification_body("abc123")))
    assert status == 200
    assert json.loads(body) == {"challenge": "abc123"}


def test_a_bad_signature_gets_401(served: Served) -> None:
    status, _ = served.post(*signed(event_body("Ev1"), secret="wrong"))
    assert status == 401
    assert served.still_serving()
    assert served.messages == []


def test_a_timestamp_six_minutes_old_gets_401(served: Served) -> None:
    status, _ = served.post(*signed(event_body("Ev1"), age_seconds=6 * 60))
    assert status == 401
    assert served.still_serving()


def test_a_retry_of_an_event_already_handled_is_handled_once(served: Served) -> None:
    assert served.post(*signed(event_body("Ev7", text="once")))[0] == 200
    retry = signed(event_body("Ev7", text="once"), extra={"x-slack-retry-num": "1"})
    assert served.post(*retry)[0] == 200
    assert served.post(*signed(event_body("Ev8", text="next")))[0] == 200
    _eventually(lambda: sorted(served.messages) == ["next", "once"])
    time.sleep(0.2)
    assert sorted(served.messages) == ["next", "once"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"payload=%7Bbroken", FORM),
        (b"payload=123", FORM),
        (b"\xff\xfe\x00garbage", FORM),
        (b"[" * 1500 + b"]" * 1500, "application/json"),
    ],
    ids=[
        "bad-json",
        "json-list",
        "json-string",
        "bad-payload",
        "payload-not-object",
        "not-utf8",
        "deeply-nested",
    ],
)
def test_a_malformed_body_gets_400(served: Served, body: bytes, content_type: str) -> None:
    status, _ = served.post(*signed(body, content_type=content_type))
    assert status == 400
    assert served.still_serving()


def test_a_bad_content_length_gets_400(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.endpoint.port), timeout=5) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        assert sock.recv(1024).split(b" ")[1] == b"400"
    assert served.still_serving()


def test_an_oversized_body_by_content_length_gets_413_before_it_is_sent(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.endpoint.port), timeout=5) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n" + b"{" * 100
        )
        # 100 MB announced, 100 bytes sent: the answer comes without waiting for the rest.
        assert sock.recv(1024).split(b" ")[1] == b"413"
    assert served.still_serving()


def test_an_oversized_chunked_body_gets_413_before_it_ends(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.endpoint.port), timeout=5) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"x" * 1024
        for _ in range(LIMIT // 1024 + 2):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        # No final chunk: the body never ends, yet the answer comes.
        assert sock.recv(1024).split(b" ")[1] == b"413"
    assert served.still_serving()


def test_a_body_that_never_ends_does_not_stop_others(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.endpoint.port), timeout=5) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        assert served.still_serving()


def test_a_stranger_gets_a_polite_refusal_that_names_no_meeting(served: Served) -> None:
    status, body = served.post(*signed(command_body("list", user=STRANGER), content_type=FORM))
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    assert "only help the person I work for" in reply["text"]
    assert not served.slow_done.wait(0.1)


def test_the_ack_comes_within_3_seconds_while_slow_work_runs(served: Served) -> None:
    started = time.monotonic()
    status, body = served.post(*signed(command_body("now board"), content_type=FORM))
    took = time.monotonic() - started
    assert status == 200
    assert body == b"working on it"
    assert took < 1.0
    assert not served.slow_done.is_set()
    assert served.still_serving()  # the slow listener does not hold the server
    assert served.slow_done.wait(10)


def test_only_post_on_the_slack_path_is_served(served: Served) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.endpoint.port, timeout=5)
    conn.request("GET", "/slack/events")
    assert conn.getresponse().status == 405
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", served.endpoint.port, timeout=5)
    conn.request("POST", "/elsewhere", body=b"{}")
    assert conn.getresponse().status == 404
    conn.close()


def test_the_endpoint_stops_within_a_second() -> None:
    with SlackApiServer() as slack:
        app = make_app(slack.base_url, lambda app: None)
        stop = threading.Event()
        endpoint = run_http_endpoint(
            slack_asgi_app(app, max_body_bytes=LIMIT), "127.0.0.1", 0, stop
        )
        started = time.monotonic()
        stop.set()
        endpoint.join(5)
        assert not endpoint.thread.is_alive()
        assert time.monotonic() - started < 1.0
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", endpoint.port), timeout=1)


def test_a_port_in_use_is_refused_with_the_fix() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with SlackApiServer() as slack:
            app = make_app(slack.base_url, lambda app: None)
            with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}") as refused:
                run_http_endpoint(
                    slack_asgi_app(app, max_body_bytes=LIMIT), "127.0.0.1", port, threading.Event()
                )
    assert "--http-port" in str(refused.value)


def _eventually(check: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
