"""Slack under attack, with the whole product behind the App: a hostile or careless user, a
slow or failing Slack, peers that never finish. Real servers on 127.0.0.1, a real DBOS prep."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

import test_slack_scenarios as scenarios
from test_slack_scenarios import RigFactory, SlackRig, asking

from exec_assistant.domain.models import MeetingStatus
from exec_assistant.slack import blocks
from exec_assistant.slack.http_endpoint import run_http_endpoint, slack_asgi_app

from slack_api import SlackApiServer
from slack_payloads import SlackRequest, button, dm_message, post, slash
from slack_requests import EXEC_USER, make_app, signed, url_verification_body

make_rig = scenarios.make_rig  # the scenarios' fixtures, here too
rig = scenarios.rig


def test_connections_that_never_finish_their_headers_do_not_shut_slack_out(
    rig: SlackRig,
) -> None:
    asking(rig)
    loris = []
    try:
        for _ in range(100):
            sock = socket.create_connection(("127.0.0.1", rig.port), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            loris.append(sock)
        time.sleep(0.3)
        status, body = post(rig.port, slash(EXEC_USER, "list", response_url=rig.api.response_url()))
        assert status == 200 and "Leadership team" in body
        rig.click(blocks.ACTION_USE_DEFAULTS)  # a real prep goes on meanwhile
        rig.wait_for(MeetingStatus.MATERIALS_READY)
    finally:
        for sock in loris:
            sock.close()


def _closed_within(sock: socket.socket, seconds: float, trickle: bool) -> bool:
    deadline = time.monotonic() + seconds
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(b"X")
            if sock.recv(100) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_a_request_head_sent_a_byte_at_a_time_or_never_ended_is_cut_off() -> None:
    with SlackApiServer() as slack:
        stop = threading.Event()
        app = make_app(slack.base_url, lambda app: None)
        endpoint = run_http_endpoint(
            slack_asgi_app(app, max_body_bytes=1024), "127.0.0.1", 0, stop, head_seconds=0.5
        )
        try:
            for trickle in (False, True):
                with socket.create_connection(("127.0.0.1", endpoint.port), timeout=5) as sock:
                    sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    assert _closed_within(sock, 3, trickle)
            status, _ = post(endpoint.port, SlackRequest(*signed(url_verification_body())))
            assert status == 200
        finally:
            stop.set()
            endpoint.join(5)


def test_a_refusal_says_its_fix_once(rig: SlackRig) -> None:
    asking(rig)
    answer = json.loads(rig.command("now Board of Directors"))["text"]
    assert "no meeting matches" in answer and answer.count("Try /prep list.") == 1
    rig.send(
        button(
            EXEC_USER,
            blocks.ACTION_SKIP,
            "mtg_0000000000000000",
            channel=rig.dm,
            message_ts=rig.thread_ts(),
            response_url=rig.api.response_url("stale"),
        )
    )
    [response] = rig.until(lambda: rig.api.responses, "the refusal")[0]
    said = str(response.body["text"])
    assert "mtg_0000000000000000" in said
    assert said.count("exec-assistant meetings") == 1


class TricklingFileHost:
    """A file host that promises 1,000 bytes and sends one every 0.2 s (3 minutes' worth)."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}/notes.md"

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            connection, _ = self._server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                while not self._stop.wait(0.2):
                    connection.sendall(b"x")

    def close(self) -> None:
        self._stop.set()
        self._server.close()


def test_a_notes_file_whose_download_never_ends_is_given_up_and_said_so(
    make_rig: RigFactory,
) -> None:
    rig = make_rig(http_timeout_seconds=2)
    scenarios.prepared_and_over(rig)
    host = TricklingFileHost()
    try:
        shared = rig.api.add_file(
            rig.dm,
            "notes.md",
            b"x" * 1000,
            user=EXEC_USER,
            thread_ts=rig.thread_ts(),
            download_url=host.url,
        )
        rig.send(
            dm_message(
                EXEC_USER, rig.dm, "", thread_ts=rig.thread_ts(), files=[{"id": shared["id"]}]
            )
        )
        rig.until(lambda: rig.said("notes.md did not download"), "the notice", seconds=10)
    finally:
        host.close()


def test_a_notes_file_a_byte_over_the_limit_is_refused_with_sizes_that_differ(
    rig: SlackRig,
) -> None:
    scenarios.prepared_and_over(rig)
    shared = rig.api.add_file(
        rig.dm, "big.md", b"a" * (2 * 1024 * 1024 + 1), user=EXEC_USER, thread_ts=rig.thread_ts()
    )
    rig.send(
        dm_message(EXEC_USER, rig.dm, "", thread_ts=rig.thread_ts(), files=[{"id": shared["id"]}])
    )
    rig.until(lambda: rig.said("big.md is 2,097,153 bytes"), "the refusal")
    assert rig.said("at most 2 MB (2,097,152 bytes)")
