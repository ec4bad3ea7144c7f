"""A fake Slack Web API on 127.0.0.1 that answers in the real API's shapes.

    with SlackApiServer() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        slack.calls("chat.postMessage")[0].params["text"]        # "hi"
        slack.fail("chat.postMessage", "ratelimited", retry_after=1)  # the next one is a 429

What it does as Slack does:
- `POST|GET /api/<method>`; parameters from the query string, a form body or a JSON body
  (form values that carry JSON, such as `blocks`, `metadata`, `view`, are decoded);
  `Authorization: Bearer <token>` or a `token` parameter; no token → `not_authed`, another
  token → `invalid_auth`, a revoked one (`revoke()`) → `token_revoked`.
- Every error is HTTP 200 with `{"ok": false, "error": code}`, except `ratelimited`: HTTP 429
  with `Retry-After`. An unknown method → `unknown_method`.
- Channels: `conversations.open` gives one DM id per user (`D` + user id), `already_open` on
  later calls; a post to a user id lands in that user's DM; a post to a channel nobody opened
  (other than those given in `channels=`) → `channel_not_found`.
- Messages keep `text`, `blocks`, `metadata`, `thread_ts`; a thread root gains `thread_ts`,
  `reply_count`. `conversations.history` lists a channel's top-level messages newest first,
  `conversations.replies` a thread's root then its replies oldest first; `metadata` is shown
  only with `include_all_metadata`; both page with `limit` and `cursor`.
- Block Kit limits are checked as Slack checks them (50 blocks a message, 100 a view, 3000
  characters a section text, 150 a header, 75 a button's text, 24 a view title...): a breach is
  `invalid_blocks` (messages) or `invalid_arguments` (views), with the reason in
  `response_metadata.messages`.
- Files: `files.getUploadURLExternal` hands out an upload URL on this server; a POST there
  stores the bytes; `files.completeUploadExternal` shares them into the channel/thread as a
  message with `files`. `add_file()` puts a file there as the user would (notes uploaded as a
  file); `files.info` describes it, and its `url_private_download` answers with the bytes only
  with the bot token (otherwise an HTML login page with 200, as Slack does).
- `apps.connections.open` (with the app token) returns the `ws_url` the test gave.
- `response_url(name)` is a URL on this server that takes `respond()`'s POSTs
  (recorded in `responses`).
- Token rotation (`enable_token_rotation(client_id, client_secret, refresh_token)`):
  `oauth.v2.access` with `grant_type=refresh_token` (no token: the client's id and secret
  authenticate it) answers a new bot token `xoxe.xoxb-…`, valid from then on, and a new
  refresh token; the refresh token it took is revoked (each is used once). A wrong client →
  `invalid_client_id` / `bad_client_secret`, a used or unknown refresh token →
  `invalid_refresh_token`.

Scripted failures: `fail(method, error, times=1, retry_after=None, applied=False)` makes the
next `times` calls of `method` fail with `error`; with `applied=True` the call takes effect
first and only its answer is the error (a post that reached Slack, then the answer was lost).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from exec_assistant.slack.doctor import bot_scopes

BOT_TOKEN = "xoxb-1-fake-bot-token"
APP_TOKEN = "xapp-1-fake-app-token"

_JSON_PARAMS = ("blocks", "attachments", "metadata", "view", "files")


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the server received it."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    http_verb: str


@dataclass(frozen=True)
class Response:
    """One POST to a response URL."""

    name: str
    body: Any
    headers: dict[str, str]


@dataclass
class _Failure:
    error: str
    retry_after: int | None
    applied: bool


@dataclass
class _File:
    id: str
    name: str
    title: str
    content: bytes
    user: str
    mimetype: str = "text/plain"
    uploaded: bool = False
    download_url: str | None = None


@dataclass
class _State:
    lock: threading.RLock = field(default_factory=threading.RLock)
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    failures: dict[str, deque[_Failure]] = field(default_factory=lambda: defaultdict(deque))
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, _File] = field(default_factory=dict)
    users: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    revoked: bool = False
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    rotation_client: tuple[str, str] | None = None
    refresh_tokens: set[str] = field(default_factory=set)
    issued_bot_tokens: set[str] = field(default_factory=set)


class SlackError(Exception):
    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []


class SlackApiServer:
    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        bot_user_id: str = "UBOT0001",
        bot_id: str = "BBOT0001",
        team_id: str = "TFAKE001",
        channels: tuple[str, ...] = (),
        ws_url: str | None = None,
        scopes: tuple[str, ...] | None = None,
    ) -> None:
        self.bot_token = bot_token
        # What Slack sends in `x-oauth-scopes` on every Web API answer: the token's scopes.
        self.scopes = scopes if scopes is not None else bot_scopes()
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.ws_url = ws_url
        self._state = _State()
        for channel in channels:
            self._state.channels[channel] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._started = False

    # ---- life ---------------------------------------------------------------------------

    def start(self) -> SlackApiServer:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._httpd.shutdown()
            self._started = False
        self._httpd.server_close()

    def __enter__(self) -> SlackApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What `WebClient(base_url=...)` takes (ends with a slash, as Slack's default)."""
        return f"{self.root_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.root_url}/respond/{name}"

    # ---- scripting ----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        applied: bool = False,
    ) -> None:
        if error == "ratelimited" and retry_after is None:
            retry_after = 1
        with self._state.lock:
            for _ in range(times):
                self._state.failures[method].append(_Failure(error, retry_after, applied))

    def revoke(self) -> None:
        """Every later call with the bot token answers `token_revoked`."""
        with self._state.lock:
            self._state.revoked = True

    def enable_token_rotation(self, client_id: str, client_secret: str, refresh_token: str) -> None:
        """The app has token rotation on: `refresh_token` is the bot's current refresh token."""
        with self._state.lock:
            self._state.rotation_client = (client_id, client_secret)
            self._state.refresh_tokens = {refresh_token}

    def issued_bot_tokens(self) -> set[str]:
        """The bot tokens `oauth.v2.access` handed out."""
        with self._state.lock:
            return set(self._state.issued_bot_tokens)

    def add_user(self, user: str, name: str, email: str | None = None) -> None:
        """A member of the workspace, as `users.info` describes them (email only with the
        users:read.email scope, which a test leaves out by giving none)."""
        with self._state.lock:
            self._state.users[user] = (name, email)

    def add_channel(self, channel: str) -> None:
        with self._state.lock:
            self._state.channels.setdefault(channel, [])

    def post_as_user(
        self, channel: str, text: str, *, user: str, thread_ts: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A message the user wrote (a thread reply, a pasted note); returns it."""
        with self._state.lock:
            channel = self._resolve_channel(channel)
            message: dict[str, Any] = {"type": "message", "user": user, "text": text, **extra}
            return self._store_message(channel, message, thread_ts)

    def add_file(
        self,
        channel: str,
        name: str,
        content: bytes,
        *,
        user: str,
        thread_ts: str | None = None,
        mimetype: str = "text/plain",
        download_url: str | None = None,
    ) -> dict[str, Any]:
        """A file the user shared into the channel/thread; returns its `files.info` object.
        `download_url` serves its bytes from elsewhere (a slow or stuck file host)."""
        with self._state.lock:
            file = _File(
                id=f"F{next(self._state.counter):08d}",
                name=name,
                title=name,
                content=content,
                user=user,
                mimetype=mimetype,
                uploaded=True,
                download_url=download_url,
            )
            self._state.files[file.id] = file
            described = self._describe(file)
            self.post_as_user(channel, "", user=user, thread_ts=thread_ts, files=[described])
            return described

    # ---- inspection ---------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._state.lock:
            return [c for c in self._state.calls if method is None or c.method == method]

    @property
    def responses(self) -> list[Response]:
        with self._state.lock:
            return list(self._state.responses)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return [dict(m) for m in self._state.ephemerals]

    def views(self) -> list[dict[str, Any]]:
        """Every view opened or pushed, as it stands now (after updates)."""
        with self._state.lock:
            return [json.loads(json.dumps(v)) for v in self._state.views.values()]

    def dm_of(self, user: str) -> str:
        return f"D{user}"

    def messages_in(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """The channel's top-level messages (oldest first), or a thread's root and replies."""
        with self._state.lock:
            channel = self._resolve_channel(channel)
            messages = self._state.channels.get(channel, [])
            if thread_ts is None:
                chosen = [m for m in messages if m.get("thread_ts", m["ts"]) == m["ts"]]
            else:
                chosen = [
                    m for m in messages if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts
                ]
            return [json.loads(json.dumps(m)) for m in chosen]

    def uploaded(self) -> list[tuple[str, bytes]]:
        """(name, bytes) of every file uploaded through the upload URL, in order."""
        with self._state.lock:
            return [
                (f.name, f.content)
                for f in self._state.files.values()
                if f.uploaded and f.user == self.bot_user_id
            ]

    # ---- the API ------------------------------------------------------------------------

    def _handle(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        with self._state.lock:
            failures = self._state.failures.get(method)
            failure = failures.popleft() if failures else None
        if failure is not None and not failure.applied:
            return self._failure_reply(failure)
        try:
            token = _token(params, headers)
            self._check_token(method, token)
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                raise SlackError("unknown_method")
            with self._state.lock:
                body = {"ok": True, **handler(params)}
        except SlackError as error:
            body = {"ok": False, "error": error.error}
            if error.messages:
                body["response_metadata"] = {"messages": error.messages}
        if failure is not None:
            return self._failure_reply(failure)
        return 200, {}, body

    @staticmethod
    def _failure_reply(failure: _Failure) -> tuple[int, dict[str, str], Any]:
        body = {"ok": False, "error": failure.error}
        if failure.error == "ratelimited":
            return 429, {"Retry-After": str(failure.retry_after or 1)}, body
        return 200, {}, body

    def _check_token(self, method: str, token: str | None) -> None:
        if method == "oauth.v2.access":
            return  # the client's id and secret authenticate it
        if not token:
            raise SlackError("not_authed")
        if method == "apps.connections.open":
            if token == self.bot_token:
                raise SlackError("not_allowed_token_type")
            if token != self.app_token:
                raise SlackError("invalid_auth")
            return
        if token == self.app_token:
            raise SlackError("not_allowed_token_type")
        with self._state.lock:
            issued = token in self._state.issued_bot_tokens
        if token != self.bot_token and not issued:
            raise SlackError("invalid_auth")
        with self._state.lock:
            if self._state.revoked:
                raise SlackError("token_revoked")

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "exec-assistant",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        client = self._state.rotation_client
        if client is None or params.get("client_id") != client[0]:
            raise SlackError("invalid_client_id")
        if params.get("client_secret") != client[1]:
            raise SlackError("bad_client_secret")
        if params.get("grant_type") != "refresh_token":
            raise SlackError("invalid_grant_type")
        refresh_token = str(params.get("refresh_token") or "")
        if refresh_token not in self._state.refresh_tokens:
            raise SlackError("invalid_refresh_token")
        n = next(self._state.counter)
        bot_token = f"xoxe.xoxb-1-rotated-{n}"
        new_refresh = f"xoxe-1-refresh-{n}"
        self._state.refresh_tokens = {new_refresh}
        self._state.issued_bot_tokens.add(bot_token)
        return {
            "app_id": "AFAKE0001",
            "access_token": bot_token,
            "refresh_token": new_refresh,
            "expires_in": 43200,
            "token_type": "bot",
            "scope": "chat:write,im:write,im:history",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": "Fake"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user") or "")
        with self._state.lock:
            known = self._state.users.get(user)
        if known is None:
            raise SlackError("user_not_found")
        name, email = known
        profile: dict[str, Any] = {"real_name": name, "display_name": name.split()[0]}
        if email:
            profile["email"] = email
        return {"user": {"id": user, "name": name.lower(), "real_name": name, "profile": profile}}

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.ws_url is None:
            raise SlackError("internal_error")
        return {"url": self.ws_url}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users") or "").split(",")
        if params.get("channel"):
            channel = self._resolve_channel(str(params["channel"]))
            return {"channel": {"id": channel}}
        if len(users) != 1 or not users[0]:
            raise SlackError("users_list_not_supplied" if not users[0] else "not_enough_users")
        if not users[0].startswith(("U", "W")):
            raise SlackError("user_not_found")
        channel = self.dm_of(users[0])
        already = channel in self._state.channels
        self._state.channels.setdefault(channel, [])
        reply: dict[str, Any] = {"channel": {"id": channel}}
        if already:
            reply.update(no_op=True, already_open=True)
        return reply

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        message = self._message_from(params)
        thread_ts = params.get("thread_ts") or None
        if thread_ts is not None:
            self._find(channel, str(thread_ts), "thread_not_found")
        stored = self._store_message(channel, message, thread_ts)
        return {"channel": channel, "ts": stored["ts"], "message": _shown(stored, metadata=True)}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        message = self._find(channel, str(params.get("ts") or ""), "message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise SlackError("cant_update_message")
        update = self._message_from(params)
        for key in ("text", "blocks", "metadata"):
            if key in update:
                message[key] = update[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": _shown(message, metadata=True),
        }

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        user = str(params.get("user") or "")
        if not user:
            raise SlackError("user_not_found")
        message = self._message_from(params)
        ts = self._next_ts()
        self._state.ephemerals.append(
            {
                **message,
                "channel": channel,
                "user": user,
                "ts": ts,
                "thread_ts": params.get("thread_ts"),
            }
        )
        return {"message_ts": ts}

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        top = [m for m in self._state.channels[channel] if m.get("thread_ts", m["ts"]) == m["ts"]]
        return self._page(list(reversed(top)), params)

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._known_channel(params)
        ts = str(params.get("ts") or "")
        root = self._find(channel, ts, "thread_not_found")
        thread = [root] + [
            m for m in self._state.channels[channel] if m.get("thread_ts") == ts and m["ts"] != ts
        ]
        return self._page(thread, params)

    def _page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(str(params.get("cursor") or "0").removeprefix("cursor_") or 0)
        chosen = messages[start : start + limit]
        metadata = _truthy(params.get("include_all_metadata"))
        more = start + limit < len(messages)
        reply: dict[str, Any] = {
            "messages": [_shown(m, metadata=metadata) for m in chosen],
            "has_more": more,
        }
        reply["response_metadata"] = {"next_cursor": f"cursor_{start + limit}" if more else ""}
        return reply

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        return {"view": self._store_view(_view_param(params))}

    def _m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(params)

    def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            matching = [
                v
                for v in self._state.views.values()
                if v.get("external_id") == params["external_id"]
            ]
            view_id = matching[0]["id"] if matching else None
        if not view_id or view_id not in self._state.views:
            raise SlackError("not_found")
        view = _view_param(params)
        _check_view(view)
        stored = {**view, "id": view_id, "hash": f"h{next(self._state.counter)}"}
        self._state.views[str(view_id)] = stored
        return {"view": json.loads(json.dumps(stored))}

    def _store_view(self, view: dict[str, Any]) -> dict[str, Any]:
        _check_view(view)
        view_id = f"V{next(self._state.counter):08d}"
        stored = {
            **view,
            "id": view_id,
            "hash": f"h{next(self._state.counter)}",
            "team_id": self.team_id,
        }
        self._state.views[view_id] = stored
        copied: dict[str, Any] = json.loads(json.dumps(stored))
        return copied

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("filename") or "")
        length = params.get("length")
        if not name or length in (None, ""):
            raise SlackError("invalid_arguments")
        file = _File(
            id=f"F{next(self._state.counter):08d}",
            name=name,
            title=name,
            content=b"",
            user=self.bot_user_id,
        )
        self._state.files[file.id] = file
        return {"upload_url": f"{self.root_url}/upload/v1/{file.id}", "file_id": file.id}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        shared = []
        for entry in entries:
            file = self._state.files.get(str(entry.get("id")))
            if file is None or not file.uploaded:
                raise SlackError("file_not_found")
            if entry.get("title"):
                file.title = str(entry["title"])
            shared.append(self._describe(file))
        channel_id = params.get("channel_id") or params.get("channels")
        if channel_id:
            channel = self._known_channel({"channel": channel_id})
            thread_ts = params.get("thread_ts") or None
            if thread_ts is not None:
                self._find(channel, str(thread_ts), "thread_not_found")
            message = {
                "type": "message",
                "bot_id": self.bot_id,
                "user": self.bot_user_id,
                "text": str(params.get("initial_comment") or ""),
                "files": shared,
            }
            self._store_message(channel, message, thread_ts)
        return {"files": shared}

    def _m_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        file = self._state.files.get(str(params.get("file") or ""))
        if file is None or not file.uploaded:
            raise SlackError("file_not_found")
        return {"file": self._describe(file)}

    def _describe(self, file: _File) -> dict[str, Any]:
        url = f"{self.root_url}/files-pri/{self.team_id}-{file.id}/{file.name}"
        return {
            "id": file.id,
            "name": file.name,
            "title": file.title,
            "mimetype": file.mimetype,
            "filetype": "text",
            "size": len(file.content),
            "user": file.user,
            "url_private": url,
            "url_private_download": file.download_url
            or f"{url.rsplit('/', 1)[0]}/download/{file.name}",
        }

    # ---- state helpers (under the lock) -------------------------------------------------

    def _next_ts(self) -> str:
        n = next(self._state.counter)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _resolve_channel(self, channel: str) -> str:
        if channel.startswith(("U", "W")):
            dm = self.dm_of(channel)
            self._state.channels.setdefault(dm, [])
            return dm
        return channel

    def _known_channel(self, params: dict[str, Any]) -> str:
        channel = self._resolve_channel(str(params.get("channel") or ""))
        if channel not in self._state.channels:
            raise SlackError("channel_not_found")
        return channel

    def _find(self, channel: str, ts: str, error: str) -> dict[str, Any]:
        for message in self._state.channels.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError(error)

    def _message_from(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text")
        blocks = params.get("blocks")
        if not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        if text is not None and len(str(text)) > 40_000:
            raise SlackError("msg_too_long")
        message: dict[str, Any] = {
            "type": "message",
            "bot_id": self.bot_id,
            "user": self.bot_user_id,
            "text": str(text or ""),
        }
        if blocks:
            if not isinstance(blocks, list):
                raise SlackError("invalid_blocks_format")
            _check_blocks(blocks, limit=50, pointer="/blocks", error="invalid_blocks")
            message["blocks"] = blocks
        metadata = params.get("metadata")
        if metadata:
            if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
                raise SlackError("invalid_metadata_format")
            message["metadata"] = {
                "event_type": metadata["event_type"],
                "event_payload": metadata.get("event_payload", {}),
            }
        return message

    def _store_message(
        self, channel: str, message: dict[str, Any], thread_ts: Any
    ) -> dict[str, Any]:
        stored = {**message, "ts": self._next_ts()}
        if thread_ts:
            root = self._find(channel, str(thread_ts), "thread_not_found")
            stored["thread_ts"] = root["ts"]
            root["thread_ts"] = root["ts"]
            root["reply_count"] = int(root.get("reply_count", 0)) + 1
            root["latest_reply"] = stored["ts"]
        self._state.channels.setdefault(channel, []).append(stored)
        return stored

    # ---- HTTP ---------------------------------------------------------------------------

    def _upload(self, file_id: str, body: bytes) -> tuple[int, str]:
        with self._state.lock:
            file = self._state.files.get(file_id)
            if file is None or file.uploaded:
                return 404, "Not found"
            file.content = body
            file.uploaded = True
        return 200, f"OK - {len(body)}"

    def _download(self, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
        file_id = path.split("/")[2].split("-", 1)[-1]
        with self._state.lock:
            file = self._state.files.get(file_id)
            token = _token({}, headers)
            if file is None:
                return 404, "text/plain", b"Not found"
            if token != self.bot_token or self._state.revoked:
                return (
                    200,
                    "text/html",
                    b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>",
                )
            return 200, file.mimetype, file.content

    def _respond(self, name: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        try:
            parsed: Any = json.loads(body or b"null")
        except ValueError:
            return 400, "invalid_payload"
        with self._state.lock:
            self._state.responses.append(Response(name, parsed, headers))
        return 200, "ok"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, verb: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                parts = urlsplit(self.path)
                path = parts.path
                if path.startswith("/api/"):
                    method = path.removeprefix("/api/")
                    params = _params(parts.query, body, headers.get("content-type", ""))
                    with server._state.lock:
                        server._state.calls.append(ApiCall(method, params, headers, verb))
                    status, extra, reply = server._handle(method, params, headers)
                    extra = {"x-oauth-scopes": ",".join(server.scopes), **extra}
                    self._send(
                        status, "application/json; charset=utf-8", json.dumps(reply).encode(), extra
                    )
                elif path.startswith("/upload/v1/") and verb == "POST":
                    status, text = server._upload(path.rsplit("/", 1)[-1], body)
                    self._send(status, "text/plain", text.encode())
                elif path.startswith("/files-pri/"):
                    status, kind, data = server._download(path, headers)
                    self._send(status, kind, data)
                elif path.startswith("/respond/") and verb == "POST":
                    status, text = server._respond(path.rsplit("/", 1)[-1], body, headers)
                    self._send(status, "text/plain", text.encode())
                else:
                    self._send(404, "text/plain", b"Not found")

            def _send(
                self, status: int, kind: str, data: bytes, extra: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


# ---- parsing and checks -------------------------------------------------------------------


def message_problems(blocks: list[Any]) -> list[str]:
    """What Slack would refuse in a message's blocks (empty when it would take them)."""
    try:
        _check_blocks(blocks, limit=50, pointer="/blocks", error="invalid_blocks")
    except SlackError as error:
        return error.messages
    return []


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a view (empty when it would take it)."""
    try:
        _check_view(view)
    except SlackError as error:
        return error.messages
    return []


def _params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body and "application/json" in content_type:
        decoded = json.loads(body)
        if isinstance(decoded, dict):
            params.update(decoded)
    elif body and "application/x-www-form-urlencoded" in content_type:
        params.update(
            {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        )
    for key in _JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _token(params: dict[str, Any], headers: dict[str, str]) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    token = params.get("token")
    return str(token) if token else None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _shown(message: dict[str, Any], *, metadata: bool) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(json.dumps(message))
    if not metadata:
        shown.pop("metadata", None)
    return shown


def _view_param(params: dict[str, Any]) -> dict[str, Any]:
    view = params.get("view")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
    return view


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return ""


def _check_view(view: dict[str, Any]) -> None:
    problems: list[str] = []
    if view.get("type") not in ("modal", "home"):
        problems.append("[ERROR] must be a valid enum value [json-pointer:/view/type]")
    for key in ("title", "submit", "close"):
        if key in view and len(_text_of(view[key])) > 24:
            problems.append(
                f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]"
            )
    if view.get("type") == "modal" and not _text_of(view.get("title")):
        problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.append(
            "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    if len(str(view.get("callback_id", ""))) > 255:
        problems.append("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
    else:
        try:
            _check_blocks(blocks, limit=100, pointer="/view/blocks", error="invalid_arguments")
        except SlackError as error:
            problems.extend(error.messages)
    if problems:
        raise SlackError("invalid_arguments", problems)


def _check_blocks(blocks: list[Any], *, limit: int, pointer: str, error: str) -> None:
    problems: list[str] = []

    def check(condition: bool, message: str, where: str) -> None:
        if not condition:
            problems.append(f"[ERROR] {message} [json-pointer:{where}]")

    def check_text(obj: Any, maximum: int, where: str, *, plain: bool = False) -> None:
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            problems.append(f"[ERROR] must provide an object [json-pointer:{where}]")
            return
        if plain:
            check(obj["type"] == "plain_text", "must be a valid enum value", f"{where}/type")
        text = str(obj.get("text", ""))
        check(
            0 < len(text) <= maximum, f"must be between 1 and {maximum} characters", f"{where}/text"
        )

    def check_element(element: Any, where: str) -> None:
        if not isinstance(element, dict):
            problems.append(f"[ERROR] must provide an object [json-pointer:{where}]")
            return
        kind = element.get("type")
        check(
            len(str(element.get("action_id", ""))) <= 255,
            "must be less than 256 characters",
            f"{where}/action_id",
        )
        if kind == "button":
            check_text(element.get("text"), 75, f"{where}/text", plain=True)
            check(
                len(str(element.get("value", ""))) <= 2000,
                "must be less than 2001 characters",
                f"{where}/value",
            )
        if "placeholder" in element:
            check_text(element["placeholder"], 150, f"{where}/placeholder", plain=True)
        if kind == "plain_text_input":
            check(
                len(str(element.get("initial_value", ""))) <= 3000,
                "must be less than 3001 characters",
                f"{where}/initial_value",
            )
        if kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes"):
            options = element.get("options", [])
            check(len(options) <= 100, "must be less than 101 items", f"{where}/options")
            for n, option in enumerate(options):
                check_text(option.get("text"), 75, f"{where}/options/{n}/text")
                check(
                    len(str(option.get("value", ""))) <= 150,
                    "must be less than 151 characters",
                    f"{where}/options/{n}/value",
                )

    check(len(blocks) <= limit, f"no more than {limit} items allowed", pointer)
    for n, block in enumerate(blocks):
        where = f"{pointer}/{n}"
        if not isinstance(block, dict):
            problems.append(f"[ERROR] must provide an object [json-pointer:{where}]")
            continue
        kind = block.get("type")
        check(
            len(str(block.get("block_id", ""))) <= 255,
            "must be less than 256 characters",
            f"{where}/block_id",
        )
        if kind == "section":
            check("text" in block or "fields" in block, "must provide text or fields", where)
            if "text" in block:
                check_text(block["text"], 3000, f"{where}/text")
            fields = block.get("fields", [])
            check(len(fields) <= 10, "must be less than 11 items", f"{where}/fields")
            for m, item in enumerate(fields):
                check_text(item, 2000, f"{where}/fields/{m}")
            if "accessory" in block:
                check_element(block["accessory"], f"{where}/accessory")
        elif kind == "header":
            check_text(block.get("text"), 150, f"{where}/text", plain=True)
        elif kind == "context":
            elements = block.get("elements", [])
            check(0 < len(elements) <= 10, "must be between 1 and 10 items", f"{where}/elements")
            for m, item in enumerate(elements):
                if isinstance(item, dict) and item.get("type") in ("plain_text", "mrkdwn"):
                    check_text(item, 3000, f"{where}/elements/{m}")
        elif kind == "actions":
            elements = block.get("elements", [])
            check(0 < len(elements) <= 25, "must be between 1 and 25 items", f"{where}/elements")
            for m, item in enumerate(elements):
                check_element(item, f"{where}/elements/{m}")
        elif kind == "input":
            check_text(block.get("label"), 2000, f"{where}/label", plain=True)
            if "hint" in block:
                check_text(block["hint"], 2000, f"{where}/hint", plain=True)
            check_element(block.get("element"), f"{where}/element")
        elif kind in ("divider", "rich_text", "image", "file", "video"):
            pass
        else:
            problems.append(f"[ERROR] must be a valid enum value [json-pointer:{where}/type]")
    if problems:
        raise SlackError(error, problems)
