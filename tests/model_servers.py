"""Scripted model servers on 127.0.0.1 that speak the providers' streaming wire formats.

`OpenAIServer` answers `POST /v1/chat/completions` (and `/chat/completions`) as the OpenAI Chat
Completions API does with `stream: true`; llama.cpp's server, vLLM and LM Studio speak the same.
`AnthropicServer` answers `POST /v1/messages` as the Anthropic Messages API streams.

Each server plays a queue of replies, one per request: `Text`, `ToolCall`, `HttpError`,
`Hang` (headers and a first chunk, then nothing until the server stops), `Drip` (a byte
every so often, forever) or `Raw` (any status, content type and body). A request with no
reply left gets a 400 that says so. Every request is recorded (path, headers, JSON body).

    with OpenAIServer([HttpError(429, retry_after="0"), ToolCall("Pack", {"title": "x"})]) as s:
        ... s.base_url ... s.requests[1].body["tools"] ...
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 11
    output_tokens: int = 7
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Text:
    text: str
    usage: Usage = Usage()


@dataclass(frozen=True)
class ToolCall:
    name: str
    input: dict[str, Any]
    usage: Usage = Usage()


@dataclass(frozen=True)
class HttpError:
    status: int
    retry_after: str | None = None
    message: str = "scripted error"


@dataclass(frozen=True)
class Hang:
    """Headers and the first event, then silence until the server stops."""


@dataclass(frozen=True)
class Drip:
    """Headers and the first event, then one byte (a space, which ends no event) every
    `interval` seconds until the server stops: a stream that is never silent long enough
    for a read time-out, and never ends."""

    interval: float = 0.5


@dataclass(frozen=True)
class Raw:
    """Any response at all: a status, a content type and a body, as given."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


Reply = Text | ToolCall | HttpError | Hang | Drip | Raw


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _State:
    replies: deque[Reply]
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class _ScriptedServer:
    paths: tuple[str, ...] = ()

    def __init__(self, replies: Iterable[Reply] = ()) -> None:
        self._state = _State(deque(replies))
        handler = self._handler_class()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def push(self, *replies: Reply) -> None:
        with self._state.lock:
            self._state.replies.extend(replies)

    def start(self) -> _ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> _ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # The wire format, in subclasses.
    def events(self, reply: Text | ToolCall, body: Any) -> Iterator[bytes]:
        raise NotImplementedError

    def first_event(self, body: Any) -> bytes:
        raise NotImplementedError

    def error_body(self, error: HttpError) -> dict[str, Any]:
        raise NotImplementedError

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self
        state = self._state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the end of a stream is the end of the connection

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                path = self.path.split("?", 1)[0]
                with state.lock:
                    state.requests.append(
                        RecordedRequest(path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    reply = state.replies.popleft() if state.replies else None
                if path not in server.paths:
                    self._json(404, {"error": {"message": f"no such path {path}"}})
                elif reply is None:
                    self._json(400, {"error": {"message": "the test scripted no more replies"}})
                elif isinstance(reply, HttpError):
                    headers = {"retry-after": reply.retry_after} if reply.retry_after else {}
                    self._json(reply.status, server.error_body(reply), headers)
                elif isinstance(reply, Hang):
                    self._start_stream()
                    self._send(server.first_event(body))
                    state.stopping.wait()
                elif isinstance(reply, Drip):
                    self._start_stream()
                    self._send(server.first_event(body))
                    while not state.stopping.wait(reply.interval):
                        if not self._send(b" "):
                            break
                elif isinstance(reply, Raw):
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    self.end_headers()
                    self._send(reply.body)
                else:
                    self._start_stream()
                    for event in server.events(reply, body):
                        self._send(event)

            def _json(
                self, status: int, payload: Any, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _start_stream(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.end_headers()

            def _send(self, event: bytes) -> bool:
                try:
                    self.wfile.write(event)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return False  # the client gave up; nothing to tell it
                return True

        return Handler


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    text = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {text}\n\n".encode()


def _pieces(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class OpenAIServer(_ScriptedServer):
    """The Chat Completions API, streaming. `base_url` ends in /v1, as the OpenAI SDK wants."""

    paths = ("/v1/chat/completions", "/chat/completions")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        """Without /v1: what llama.cpp's provider takes (it adds /v1/chat/completions)."""
        return f"http://127.0.0.1:{self.port}"

    def _chunk(self, body: Any, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 1_800_000_000,
                "model": body.get("model", "model") if isinstance(body, dict) else "model",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    def first_event(self, body: Any) -> bytes:
        return self._chunk(body, {"role": "assistant", "content": ""})

    def events(self, reply: Text | ToolCall, body: Any) -> Iterator[bytes]:
        yield self.first_event(body)
        if isinstance(reply, Text):
            for piece in _pieces(reply.text):
                yield self._chunk(body, {"content": piece})
            finish = "stop"
        else:
            arguments = json.dumps(reply.input)
            yield self._chunk(
                body,
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": reply.name, "arguments": ""},
                        }
                    ]
                },
            )
            for piece in _pieces(arguments):
                yield self._chunk(
                    body, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                )
            finish = "tool_calls"
        yield self._chunk(body, {}, finish)
        wants_usage = isinstance(body, dict) and (body.get("stream_options") or {}).get(
            "include_usage"
        )
        if wants_usage:
            usage = reply.usage
            yield _sse(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "created": 1_800_000_000,
                    "model": body.get("model", "model"),
                    "choices": [],
                    "usage": {
                        "prompt_tokens": usage.input_tokens,
                        "completion_tokens": usage.output_tokens,
                        "total_tokens": usage.input_tokens + usage.output_tokens,
                        "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens},
                    },
                }
            )
        yield _sse("[DONE]")

    def error_body(self, error: HttpError) -> dict[str, Any]:
        kind = {429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}
        return {
            "error": {
                "message": error.message,
                "type": kind.get(error.status, "api_error"),
                "code": kind.get(error.status),
            }
        }


class AnthropicServer(_ScriptedServer):
    """The Messages API, streaming."""

    paths = ("/v1/messages",)

    def first_event(self, body: Any, usage: Usage = Usage()) -> bytes:
        return _sse(
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": body.get("model", "model") if isinstance(body, dict) else "model",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": usage.input_tokens,
                        "output_tokens": 1,
                        "cache_read_input_tokens": usage.cache_read_tokens,
                        "cache_creation_input_tokens": usage.cache_write_tokens,
                    },
                },
            },
            "message_start",
        )

    def events(self, reply: Text | ToolCall, body: Any) -> Iterator[bytes]:
        yield self.first_event(body, reply.usage)
        if isinstance(reply, Text):
            block: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(reply.text)]
            stop = "end_turn"
        else:
            block = {"type": "tool_use", "id": "toolu_1", "name": reply.name, "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": piece}
                for piece in _pieces(json.dumps(reply.input))
            ]
            stop = "tool_use"
        yield _sse(
            {"type": "content_block_start", "index": 0, "content_block": block},
            "content_block_start",
        )
        for delta in deltas:
            yield _sse(
                {"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta"
            )
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        yield _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.usage.output_tokens},
            },
            "message_delta",
        )
        yield _sse({"type": "message_stop"}, "message_stop")

    def error_body(self, error: HttpError) -> dict[str, Any]:
        kind = {
            429: "rate_limit_error",
            500: "api_error",
            529: "overloaded_error",
            400: "invalid_request_error",
        }
        return {
            "type": "error",
            "error": {"type": kind.get(error.status, "api_error"), "message": error.message},
        }
