"""The App's global middleware: who may use the assistant, and each Slack event handled once.

Both run after Bolt's own (signature, authorization, self events, url_verification), so what
reaches them is a request Slack signed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

if TYPE_CHECKING:  # the ports module imports the whole domain: not on a cold start
    from exec_assistant.ports import Clock, SeenEventRepository


EVENT_MEMORY_SECONDS = 3600
"""How long an event id is remembered: Slack retries a failed event 3 times within about 5
minutes, so an hour covers every retry with room to spare."""

REFUSAL_TEXT = (
    "Sorry, I'm a personal assistant and can only help the person I work for. "
    "If you think you should have access, ask them to add you."
)

logger = logging.getLogger(__name__)


def refusal_blocks() -> list[dict[str, Any]]:
    """The polite refusal: the same words for everyone, naming no meeting and no person."""
    return [{"type": "section", "text": {"type": "plain_text", "text": REFUSAL_TEXT}}]


def request_kind(body: dict[str, Any]) -> str:
    """'command', 'event:message', 'block_actions', 'view_submission', …: for logs."""
    if "command" in body and "type" not in body:
        return "command"
    kind = str(body.get("type", "unknown"))
    if kind == "event_callback":
        event = body.get("event")
        return f"event:{event.get('type')}" if isinstance(event, dict) else "event"
    return kind


class AllowListMiddleware(Middleware):
    """Lets through the executive and the allowed users; refuses everyone else politely.

    A slash command gets the refusal as an ephemeral reply (the ack's body), a button or menu
    gets it through its response_url, a modal submission is closed, and an event (a message,
    a file) is dropped with a 200 so Slack does not retry it. An event that names no user
    (app_uninstalled, tokens_revoked) is dropped too: nobody drives the assistant with one.
    """

    def __init__(self, allowed_users: Iterable[str]) -> None:
        self._allowed = frozenset(allowed_users)

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        user_id = req.context.user_id
        if user_id is not None and user_id in self._allowed:
            return next()
        kind = request_kind(req.body)
        logger.info("slack request refused", extra={"user_id": user_id, "kind": kind})
        if kind == "command":
            body = {"response_type": "ephemeral", "text": REFUSAL_TEXT, "blocks": refusal_blocks()}
            return BoltResponse(
                status=200,
                body=json.dumps(body),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        respond = req.context.respond
        if kind in ("block_actions", "message_action", "shortcut") and respond is not None:
            try:
                respond(
                    text=REFUSAL_TEXT,
                    blocks=refusal_blocks(),
                    response_type="ephemeral",
                    replace_original=False,
                )
            except Exception:  # the refusal is a courtesy: a failed one still refuses
                logger.warning("slack refusal not delivered", extra={"kind": kind})
        return BoltResponse(status=200, body="")

    @property
    def name(self) -> str:
        return "AllowListMiddleware"


class EventDedupeMiddleware(Middleware):
    """Handles each Events API event once: a retry (X-Slack-Retry-Num) of an event id already
    seen is answered 200, so Slack stops retrying, and goes no further.

    The id is recorded on first sight, before the listeners run: a retry that arrives while
    the first delivery is still being handled is dropped too. The re-invocation of a lazy
    listener on Lambda carries the same event and is let through.
    """

    def __init__(
        self, seen_events: SeenEventRepository, clock: Clock, *, ttl: int = EVENT_MEMORY_SECONDS
    ) -> None:
        self._seen = seen_events
        self._clock = clock
        self._ttl = ttl

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = req.body.get("event_id")
        if req.lazy_only or req.body.get("type") != "event_callback" or not event_id:
            return next()
        expires_at = int(self._clock.now().timestamp()) + self._ttl
        if self._seen.first_seen(str(event_id), expires_at):
            return next()
        retry = req.headers.get("x-slack-retry-num", [None])[0]
        logger.info("slack event already handled", extra={"event_id": event_id, "retry": retry})
        return BoltResponse(status=200, body="")

    @property
    def name(self) -> str:
        return "EventDedupeMiddleware"
