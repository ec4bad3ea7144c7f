"""The deploy's smoke test: is the deployed Slack endpoint answering Slack, and only Slack?

    python tools/smoke_test.py --url https://.../slack/events --signing-secret-from-env
    python tools/smoke_test.py --url "$(pulumi stack output slack_request_url)" \\
        --slack-secret-id "$(pulumi stack output slack_secret_arn)" \\
        --web-url "$(pulumi stack output web_url)"

Checks, each reported on its own line:
- a `url_verification` request signed with the app's signing secret gets 200 with its
  challenge echoed (what Slack sends when the request URL is set);
- the same request unsigned is refused with 401 or 403;
- the web URL, when given, answers a GET below 400.
Each check has its whole exchange within `--timeout-seconds` (15 s unless told) and reads at
most 64 KB of answer; a slower or larger answer fails the check. Only http and https URLs with
a host are taken. The exit status is 1 when any check fails, and the failures are named; 2 for
arguments it does not take; 130 when interrupted. The signing secret is never printed: it comes
from SLACK_SIGNING_SECRET (`--signing-secret-from-env`) or from the stack's Slack secret in
Secrets Manager (its `signing_secret` key).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import hmac
import http.client
import json
import math
import os
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"
SIGNING_SECRET_KEY = "signing_secret"
"""The key of the signing secret in the stack's Slack secret (a JSON object)."""
TIMEOUT_SECONDS = 15.0
"""How long one check's whole exchange may take unless `--timeout-seconds` says otherwise."""
MAX_ANSWER_BYTES = 64 * 1024
"""The most of an answer's body a check reads: Slack's endpoint and the web page answer far
less, and a body without end must not fill the memory."""
INTERRUPTED = 130


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


class ExchangeFailed(Exception):
    """No usable answer: the connection failed, the answer was too slow or too large. The
    message says which, for the check's report."""


class Deadline:
    """The time limit of one check's whole exchange.

    A socket timeout bounds each read, so a peer that sends a byte now and then never trips
    it. At the deadline every connection the check opened is shut down, which ends whatever
    read is waiting on it."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._passed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        with self._lock:
            return self._passed

    def remaining(self) -> float:
        """The time left, as the timeout of the next connect or read (never zero, which
        would make the socket non-blocking)."""
        return max(self._ends - time.monotonic(), 0.001)

    def connect(
        self, address: tuple[str, int], timeout: float | None, source_address: Any = None
    ) -> socket.socket:
        """`socket.create_connection` as http.client calls it, with the connection watched and
        the time left as its timeout (not the one given when the exchange began, which a
        redirect would repeat). A duplicate of the socket is watched: TLS takes the original
        over, and shutting down either ends the reads."""
        connection = socket.create_connection(address, self.remaining(), source_address)
        with self._lock:
            watched = connection.dup()
            self._watched.append(watched)
            if self._passed:
                _shut_down(watched)
        return connection

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for watched in self._watched:
                watched.close()
            self._watched.clear()

    def _expire(self) -> None:
        with self._lock:
            self._passed = True
            for watched in self._watched:
                _shut_down(watched)


def _shut_down(connection: socket.socket) -> None:
    # An error means the peer or the client has closed it already: nothing waits on it.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _WatchedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        self._create_connection = deadline.connect  # how http.client opens its socket


class _WatchedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, **options)
        self._create_connection = deadline.connect


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_WatchedHTTPConnection, deadline=self._deadline)
        return self.do_open(connection, req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_WatchedHTTPSConnection, deadline=self._deadline)
        return self.do_open(connection, req, context=ssl.create_default_context())


def _opener(deadline: Deadline) -> urllib.request.OpenerDirector:
    """An opener for http and https only (a redirect elsewhere is refused), every connection
    of it watched by the deadline."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        _WatchedHTTPHandler(deadline),
        _WatchedHTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _read_capped(answer: Any) -> str:
    data: bytes = answer.read(MAX_ANSWER_BYTES + 1)
    if len(data) > MAX_ANSWER_BYTES:
        raise ExchangeFailed(f"answer larger than {MAX_ANSWER_BYTES // 1024} KB")
    return data.decode(errors="replace")


def _exchange(url: str, body: bytes | None, headers: dict[str, str], deadline: Deadline) -> Answer:
    sent = urllib.request.Request(url, data=body, headers=headers)
    try:
        with _opener(deadline).open(sent, timeout=deadline.remaining()) as response:
            return Answer(response.status, _read_capped(response))
    except urllib.error.HTTPError as error:
        try:
            return Answer(error.code, _read_capped(error))
        finally:
            error.close()


def request(
    url: str,
    *,
    timeout_seconds: float,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One HTTP exchange, whole within `timeout_seconds`, with at most MAX_ANSWER_BYTES of
    answer; an HTTP error status is an answer. Anything else raises ExchangeFailed."""
    deadline = Deadline(timeout_seconds)
    try:
        answer = _exchange(url, body, headers or {}, deadline)
        if deadline.passed:
            # A read the deadline ended can look like the end of an answer sent without a
            # length: what was read is not the whole answer.
            raise TimeoutError
    except (OSError, http.client.HTTPException) as error:
        if deadline.passed:
            raise ExchangeFailed(
                f"too slow: no whole answer from {url} within {timeout_seconds:g} s"
            ) from error
        raise ExchangeFailed(f"no answer from {url}: {error}") from error
    finally:
        deadline.close()
    return answer


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of a request body."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def url_verification() -> tuple[bytes, str]:
    challenge = secrets.token_urlsafe(24)
    body = {"token": "smoke-test", "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode(), challenge


def check_signed(url: str, signing_secret: str, timeout_seconds: float) -> Check:
    name = "signed url_verification"
    body, challenge = url_verification()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(signing_secret, timestamp, body),
    }
    try:
        answer = request(url, timeout_seconds=timeout_seconds, body=body, headers=headers)
    except ExchangeFailed as error:
        return Check(name, False, str(error))
    if answer.status != 200:
        return Check(name, False, f"HTTP {answer.status} (the signing secret may not match)")
    if challenge not in answer.body:
        return Check(name, False, "HTTP 200 without the challenge echoed")
    return Check(name, True, "challenge echoed")


def check_unsigned(url: str, timeout_seconds: float) -> Check:
    name = "unsigned request refused"
    body, _ = url_verification()
    try:
        answer = request(
            url,
            timeout_seconds=timeout_seconds,
            body=body,
            headers={"Content-Type": "application/json"},
        )
    except ExchangeFailed as error:
        return Check(name, False, str(error))
    if answer.status in (401, 403):
        return Check(name, True, f"HTTP {answer.status}")
    return Check(name, False, f"HTTP {answer.status}: a request without a signature was taken")


def check_web(url: str, timeout_seconds: float) -> Check:
    name = "web URL answers"
    try:
        answer = request(url, timeout_seconds=timeout_seconds)
    except ExchangeFailed as error:
        return Check(name, False, str(error))
    return Check(name, answer.status < 400, f"HTTP {answer.status}")


def signing_secret_from_secrets_manager(secret_id: str) -> str:
    import boto3

    region = secret_id.split(":")[3] if secret_id.startswith("arn:") else None
    client = boto3.Session(region_name=region).client("secretsmanager")
    value = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    secret = value.get(SIGNING_SECRET_KEY) if isinstance(value, dict) else None
    if not secret:
        raise LookupError(f"the secret {secret_id} has no {SIGNING_SECRET_KEY!r} key")
    return str(secret)


def http_url(value: str) -> str:
    """An http or https URL with a host, as an argument: the checks can reach nothing else."""
    try:
        parts = urllib.parse.urlsplit(value)
        port_is_valid = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_is_valid = urllib.parse.urlsplit(""), False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_is_valid:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http or https URL with a host")
    return value


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, type=http_url, help="the Slack request URL (…/slack/events)"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--signing-secret-from-env",
        action="store_true",
        help=f"read the Slack signing secret from {SIGNING_SECRET_ENV}",
    )
    source.add_argument(
        "--slack-secret-id",
        help=f"read it from this Secrets Manager secret's {SIGNING_SECRET_KEY!r} key",
    )
    parser.add_argument(
        "--web-url", type=http_url, help="the web address (CloudFront) to check as well"
    )
    parser.add_argument(
        "--timeout-seconds",
        type=positive_seconds,
        default=TIMEOUT_SECONDS,
        help=f"how long each check's whole exchange may take (default {TIMEOUT_SECONDS:g})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except KeyboardInterrupt:
        print("smoke test: interrupted", file=sys.stderr)
        return INTERRUPTED


def run(args: argparse.Namespace) -> int:
    try:
        if args.signing_secret_from_env:
            signing_secret = os.environ.get(SIGNING_SECRET_ENV, "")
            if not signing_secret:
                raise LookupError(f"{SIGNING_SECRET_ENV} is not set")
        else:
            signing_secret = signing_secret_from_secrets_manager(args.slack_secret_id)
    except Exception as error:  # any failure to read the secret ends the test, named
        print(f"smoke test: cannot read the signing secret: {error}", file=sys.stderr)
        return 1
    timeout = args.timeout_seconds
    checks = [check_signed(args.url, signing_secret, timeout), check_unsigned(args.url, timeout)]
    if args.web_url:
        checks.append(check_web(args.web_url, timeout))
    for check in checks:
        print(f"{'ok' if check.passed else 'FAILED'}  {check.name}: {check.detail}", flush=True)
    failed = [check.name for check in checks if not check.passed]
    if failed:
        print(f"smoke test failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
