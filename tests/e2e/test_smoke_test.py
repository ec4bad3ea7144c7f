"""`tools/smoke_test.py` against the real Slack endpoint (`exec-assistant serve --http-port`)
and a local web server: it passes a deployment that answers Slack and only Slack, and names
what is wrong with one that does not."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

import smoke_test

from cli_user import CliUser
from moto_server import AwsEndpoint
from slack_api import SlackApiServer
from slack_requests import EXEC_USER, SIGNING_SECRET


@pytest.fixture(scope="module")
def slack_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Slack request URL of a running `serve`."""
    user = CliUser(tmp_path_factory.mktemp("serve"))
    with SlackApiServer() as api:
        process = user.serve(
            "--http-port",
            "0",
            EXEC_ASSISTANT_SLACK_USER_ID=EXEC_USER,
            EXEC_ASSISTANT_SLACK_API_URL=api.base_url,
            SLACK_BOT_TOKEN=api.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
        )
        try:
            assert process.stdout is not None
            url = None
            for line in process.stdout:
                found = re.search(r"POST (http://127\.0\.0\.1:\d+/slack/events)", line)
                if found:
                    url = found.group(1)
                    break
            assert url is not None, "serve did not say where it takes Slack's requests"
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=30)
            finally:
                if process.poll() is None:
                    process.kill()


def serve_in_thread(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def web_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<!doctype html><title>exec-assistant</title>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    yield from serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), handler))


def smoke(url: str, *flags: str) -> int:
    """The smoke test, with the app's signing secret in the environment."""
    return smoke_test.main(["--url", url, "--signing-secret-from-env", *flags])


@pytest.fixture
def app_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)


class _TakesAnything(BaseHTTPRequestHandler):
    """An endpoint that echoes every challenge, signed or not."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        raw = json.dumps({"challenge": body["challenge"]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.usefixtures("app_secret")
def test_a_deployment_that_answers_slack_and_only_slack_passes(
    slack_url: str, web_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = smoke(slack_url, "--web-url", web_url + "/")

    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok  signed url_verification: challenge echoed" in out
    assert "ok  unsigned request refused: HTTP 401" in out
    assert "ok  web URL answers: HTTP 200" in out
    assert SIGNING_SECRET not in out


def test_the_signing_secret_can_come_from_the_stacks_slack_secret(
    slack_url: str, aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = aws.client("secretsmanager").create_secret(
        Name=AwsEndpoint.unique("exec-assistant/slack"),
        SecretString=json.dumps({"bot_token": "xoxb-1", "signing_secret": SIGNING_SECRET}),
    )
    for name, value in aws.sdk_environment("secrets_manager").items():
        monkeypatch.setenv(name, value)

    assert smoke_test.main(["--url", slack_url, "--slack-secret-id", secret["ARN"]]) == 0


def test_a_signing_secret_that_does_not_match_fails_naming_the_check(
    slack_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "not-the-apps-secret")

    assert smoke(slack_url) == 1

    captured = capsys.readouterr()
    assert "FAILED  signed url_verification: HTTP 401" in captured.out
    assert "smoke test failed: signed url_verification" in captured.err
    assert "not-the-apps-secret" not in captured.out + captured.err


@pytest.mark.usefixtures("app_secret")
def test_an_endpoint_that_takes_unsigned_requests_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for url in serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _TakesAnything)):
        assert smoke(url) == 1
    assert "FAILED  unsigned request refused: HTTP 200" in capsys.readouterr().out


@pytest.mark.usefixtures("app_secret")
def test_a_web_url_that_does_not_answer_fails(
    slack_url: str, web_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert smoke(slack_url, "--web-url", web_url + "/missing") == 1
    assert "FAILED  web URL answers: HTTP 404" in capsys.readouterr().out


def test_no_signing_secret_fails_before_any_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert smoke("http://127.0.0.1:9/") == 1
    assert "SLACK_SIGNING_SECRET is not set" in capsys.readouterr().err


class _EndlessAnswer(BaseHTTPRequestHandler):
    """An endpoint whose answer has no length and no end. It stops at 64 MB, so that a smoke
    test reading all of it ends, and fails this test, instead of filling the memory; it counts
    the answers the smoke test cut off by closing the connection."""

    cut_off = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(64 * 1024 * 1024 // len(chunk)):
                self.wfile.write(chunk)
        except OSError:
            type(self).cut_off += 1

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.usefixtures("app_secret")
def test_an_answer_without_end_is_cut_off_and_fails_past_64_kb(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _EndlessAnswer.cut_off = 0
    for url in serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _EndlessAnswer)):
        assert smoke(url) == 1
    out = capsys.readouterr().out
    assert "FAILED  signed url_verification: answer larger than 64 KB" in out
    assert "FAILED  unsigned request refused: answer larger than 64 KB" in out
    assert _EndlessAnswer.cut_off == 2, "the smoke test read on past 64 KB"


_WHOLE_ANSWER_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"


class _Trickle(BaseHTTPRequestHandler):
    """An endpoint that sends its answer a byte every quarter second, well within any socket
    timeout, taking 10 s or more in all; from its first byte, or after its head."""

    quick_bytes = 0
    asked = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).asked.set()
        answer = _WHOLE_ANSWER_HEAD + b"y" * 40
        try:
            self.wfile.write(answer[: self.quick_bytes])
            self.wfile.flush()
            for index in range(self.quick_bytes, len(answer)):
                time.sleep(0.25)
                self.wfile.write(answer[index : index + 1])
                self.wfile.flush()
        except OSError:
            pass  # the smoke test gave up and closed the connection
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _TrickleHead(_Trickle):
    quick_bytes = 0
    asked = threading.Event()


class _TrickleBody(_Trickle):
    quick_bytes = len(_WHOLE_ANSWER_HEAD)
    asked = threading.Event()


@pytest.mark.usefixtures("app_secret")
@pytest.mark.parametrize("handler", [_TrickleHead, _TrickleBody], ids=["head", "body"])
def test_an_answer_trickling_in_fails_as_too_slow_at_the_deadline(
    handler: type[_Trickle], capsys: pytest.CaptureFixture[str]
) -> None:
    for url in serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), handler)):
        started = time.monotonic()
        assert smoke(url, "--timeout-seconds", "1") == 1
        elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert "FAILED  signed url_verification: too slow" in out
    assert "FAILED  unsigned request refused: too slow" in out
    assert elapsed < 5, f"two checks of 1 s each took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--url", ""),
        ("--url", "example.com/slack/events"),
        ("--url", "http:///slack/events"),
        ("--url", "http://127.0.0.1:99999/slack/events"),
        ("--web-url", "file:///etc/hostname"),
        ("--web-url", "ftp://example.com/"),
    ],
)
def test_a_url_that_is_not_http_with_a_host_is_refused_naming_the_option(
    option: str, value: str, web_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = {"--url": web_url + "/slack/events", "--web-url": web_url + "/", option: value}
    argv = ["--url", urls["--url"], "--web-url", urls["--web-url"], "--signing-secret-from-env"]

    with pytest.raises(SystemExit) as refused:
        smoke_test.main(argv)

    captured = capsys.readouterr()
    assert refused.value.code == 2
    assert f"argument {option}: {value!r} is not an http or https URL with a host" in captured.err
    assert captured.out == ""


def test_a_timeout_that_is_not_a_positive_number_is_refused(
    web_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for value in ("0", "-1", "nan", "soon"):
        with pytest.raises(SystemExit) as refused:
            smoke(web_url + "/", "--timeout-seconds", value)
        assert refused.value.code == 2
        assert "argument --timeout-seconds" in capsys.readouterr().err


def test_ctrl_c_ends_the_smoke_test_with_130_and_one_line() -> None:
    _TrickleHead.asked.clear()
    for url in serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _TrickleHead)):
        process = subprocess.Popen(
            [sys.executable, smoke_test.__file__, "--url", url, "--signing-secret-from-env"],
            env={**os.environ, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert _TrickleHead.asked.wait(10), "the smoke test did not ask the endpoint"
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 130
    assert err == "smoke test: interrupted\n"
    assert out == ""
