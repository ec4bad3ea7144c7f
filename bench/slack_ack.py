"""Benchmark: how fast the Slack App acknowledges, and what the webhook Lambda's cold start costs.

What it measures
----------------
1. Ack latency. 1,000 Events API deliveries (a DM message from the executive, each with its
   own event id), signed with a real signing secret, through the product's App in process,
   two ways:
   - `App.dispatch` of a BoltRequest, as the local endpoint and Socket Mode call it, with
     the SQLite record of seen events (a temporary data folder);
   - the webhook Lambda's handler (`handlers.slack_webhook.make_handler`) with API Gateway v2
     events, base64 bodies, the App built with process_before_response=True and a lazy
     listener, whose re-invocation goes to a Lambda client that only counts (the work itself
     is not part of the ack).
   Each event is timed from the call to its response (time.perf_counter); p50, p99 and the
   maximum are printed. The signature check, the allow-list, the dedupe and Bolt's
   listener matching are all in it. A local HTTP server answers the one auth.test call Bolt
   makes on the first request (not timed: the App is warmed with one event first).
   Target: p99 under 50 ms.

2. Cold start. In fresh subprocesses, alternately, RUNS times each:
   - the floor: `import slack_bolt.adapter.aws_lambda` (what every Bolt app on Lambda pays);
   - the entry point: `import exec_assistant.handlers.slack_webhook` and its first call
     (`lambda_handler` with a signed url_verification event): settings read, the App built by
     `slack.webhook_bootstrap.build_slack_webhook_app`, the request answered.
   Each is timed inside the subprocess, from before the import to after the answer, so the
   interpreter's own start (the same for both) is left out. The medians and their ratio are
   printed. Target: within 1.2x the floor. The entry point's run also checks that nothing of
   strands or dbos was imported.

Run: python bench/slack_ack.py [--events 1000] [--runs 7]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret-0123456789ab"
EXEC = "UBENCHEXEC"
TOKEN = "xoxb-bench-token"


def sign(body: bytes, ts: int) -> str:
    base = b"v0:" + str(ts).encode() + b":" + body
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def event(event_id: str) -> tuple[bytes, dict[str, Any]]:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "TBENCH",
            "api_app_id": "ABENCH",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "DBENCH",
                "user": EXEC,
                "text": "1. the budget\n2. hiring",
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()
    ts = int(time.time())
    return body, {
        "content-type": "application/json",
        "x-slack-request-timestamp": str(ts),
        "x-slack-signature": sign(body, ts),
    }


class AuthTestServer:
    """Answers auth.test as Slack does; nothing else is called."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.dumps(
                    {"ok": True, "team_id": "TBENCH", "user_id": "UBOT", "bot_id": "BBOT"}
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms   max {ordered[-1] * 1000:6.2f} ms"


def ack_latency(n: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # a log line per event is not the ack
    from slack_bolt import App, BoltRequest
    from slack_sdk import WebClient

    from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
    from exec_assistant.adapters.local.sqlite_repositories import SqliteSeenEventRepository
    from exec_assistant.adapters.memory import InMemorySeenEventRepository
    from exec_assistant.clocks import SystemClock
    from exec_assistant.handlers.slack_webhook import make_handler
    from exec_assistant.slack.app import build_slack_app

    handled = [0]

    def register(app: App) -> None:
        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            handled[0] += 1

    def register_lazy(app: App) -> None:
        def ack_event(ack: Any) -> None:
            ack()

        def later(event: dict[str, Any]) -> None:  # runs in the re-invocation: never here
            handled[0] += 1

        app.event("message")(ack=ack_event, lazy=[later])

    class CountingLambdaClient:
        invocations = 0

        def invoke(self, **kwargs: Any) -> dict[str, Any]:
            CountingLambdaClient.invocations += 1
            return {"StatusCode": 202}

    slack = AuthTestServer()
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as folder:
        db = SqliteDatabase(Path(folder) / "bench.sqlite3")
        app = build_slack_app(
            client=WebClient(token=TOKEN, base_url=slack.base_url),
            signing_secret=SECRET,
            executive_user_id=EXEC,
            allowed_users=(),
            seen_events=SqliteSeenEventRepository(db, clock),
            register=register,
            process_before_response=True,
            clock=clock,
        )
        requests = [event(f"EvBench{i:05d}") for i in range(n + 1)]
        body, headers = requests[0]
        app.dispatch(BoltRequest(body=body.decode(), headers=headers))  # auth.test, warm-up
        samples = []
        for body, headers in requests[1:]:
            started = time.perf_counter()
            response = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
            samples.append(time.perf_counter() - started)
            assert response.status == 200, response.status
        assert handled[0] == n + 1, handled
        print(f"App.dispatch, SQLite dedupe     {n} events   {percentiles(samples)}")
        db.close()

    client = CountingLambdaClient()

    def build() -> App:
        return build_slack_app(
            client=WebClient(token=TOKEN, base_url=slack.base_url),
            signing_secret=SECRET,
            executive_user_id=EXEC,
            allowed_users=(),
            seen_events=InMemorySeenEventRepository(clock),
            register=register_lazy,
            process_before_response=True,
            clock=clock,
        )

    handler = make_handler(build, client)

    class Context:
        function_name = "bench"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        aws_request_id = "bench"

    def api_event(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        return {
            "version": "2.0",
            "headers": dict(headers),
            "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
            "body": base64.b64encode(body).decode(),
            "isBase64Encoded": True,
        }

    requests = [event(f"EvLambda{i:05d}") for i in range(n + 1)]
    handler(api_event(*requests[0]), Context())
    samples = []
    for body, headers in requests[1:]:
        started = time.perf_counter()
        answer = handler(api_event(body, headers), Context())
        samples.append(time.perf_counter() - started)
        assert answer["statusCode"] == 200, answer
    assert CountingLambdaClient.invocations == n + 1
    print(f"Lambda handler, API Gateway v2  {n} events   {percentiles(samples)}")
    slack.close()


FLOOR = """
import time
started = time.perf_counter()
import slack_bolt.adapter.aws_lambda
print(time.perf_counter() - started)
"""

ENTRY = """
import json, sys, time
started = time.perf_counter()
from exec_assistant.handlers.slack_webhook import lambda_handler
event = json.loads(sys.argv[1])
response = lambda_handler(event, None)
took = time.perf_counter() - started
assert response["statusCode"] == 200 and "challenge" in response["body"], response
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("strands", "dbos"))
print(took, json.dumps(heavy))
"""


def cold_start(runs: int) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "bench", "token": "x"}).encode()
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "EXEC_ASSISTANT_HOME": home,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "EXEC_ASSISTANT_SLACK_USER_ID": EXEC,
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            # The function's deployment environment (nothing is read from AWS to answer this).
            "DOCUMENTS_S3_BUCKET": "exec-assistant-documents-bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
        floor, entry = [], []
        heavy: list[str] = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", FLOOR], env=env, capture_output=True, text=True, check=True
            )
            floor.append(float(out.stdout.split()[0]))
            ts = int(time.time())
            apigw = {
                "version": "2.0",
                "headers": {
                    "content-type": "application/json",
                    "x-slack-request-timestamp": str(ts),
                    "x-slack-signature": sign(body, ts),
                },
                "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
                "body": body.decode(),
                "isBase64Encoded": False,
            }
            out = subprocess.run(
                [sys.executable, "-c", ENTRY, json.dumps(apigw)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            took, modules = out.stdout.split(maxsplit=1)
            entry.append(float(took))
            heavy += json.loads(modules)
    f, e = statistics.median(floor), statistics.median(entry)
    print(
        f"cold start, {runs} runs each (median, min–max):\n"
        f"  import slack_bolt.adapter.aws_lambda            {f * 1000:6.0f} ms "
        f"({min(floor) * 1000:.0f}–{max(floor) * 1000:.0f})\n"
        f"  webhook entry: import + settings + App + answer {e * 1000:6.0f} ms "
        f"({min(entry) * 1000:.0f}–{max(entry) * 1000:.0f})\n"
        f"  ratio {e / f:.2f}x the floor (target 1.2x); strands/dbos imported: "
        f"{', '.join(sorted(set(heavy))) or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ack_latency(args.events)
    cold_start(args.runs)


if __name__ == "__main__":
    main()
