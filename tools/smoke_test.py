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
The exit status is 1 when any check fails, and the failures are named. The signing secret is
never printed: it comes from SLACK_SIGNING_SECRET (`--signing-secret-from-env`) or from the
stack's Slack secret in Secrets Manager (its `signing_secret` key).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"
SIGNING_SECRET_KEY = "signing_secret"
"""The key of the signing secret in the stack's Slack secret (a JSON object)."""
TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def request(
    url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP request; an HTTP error status is an answer, not an exception. A connection
    that fails raises OSError."""
    sent = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(sent, timeout=TIMEOUT_SECONDS) as response:
            return Answer(response.status, response.read().decode(errors="replace"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode(errors="replace"))


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of a request body."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def url_verification() -> tuple[bytes, str]:
    challenge = secrets.token_urlsafe(24)
    body = {"token": "smoke-test", "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode(), challenge


def check_signed(url: str, signing_secret: str) -> Check:
    name = "signed url_verification"
    body, challenge = url_verification()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(signing_secret, timestamp, body),
    }
    try:
        answer = request(url, body=body, headers=headers)
    except OSError as error:
        return Check(name, False, f"no answer from {url}: {error}")
    if answer.status != 200:
        return Check(name, False, f"HTTP {answer.status} (the signing secret may not match)")
    if challenge not in answer.body:
        return Check(name, False, "HTTP 200 without the challenge echoed")
    return Check(name, True, "challenge echoed")


def check_unsigned(url: str) -> Check:
    name = "unsigned request refused"
    body, _ = url_verification()
    try:
        answer = request(url, body=body, headers={"Content-Type": "application/json"})
    except OSError as error:
        return Check(name, False, f"no answer from {url}: {error}")
    if answer.status in (401, 403):
        return Check(name, True, f"HTTP {answer.status}")
    return Check(name, False, f"HTTP {answer.status}: a request without a signature was taken")


def check_web(url: str) -> Check:
    name = "web URL answers"
    try:
        answer = request(url)
    except OSError as error:
        return Check(name, False, f"no answer from {url}: {error}")
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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the Slack request URL (…/slack/events)")
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
    parser.add_argument("--web-url", help="the web address (CloudFront) to check as well")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
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
    checks = [check_signed(args.url, signing_secret), check_unsigned(args.url)]
    if args.web_url:
        checks.append(check_web(args.web_url))
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
