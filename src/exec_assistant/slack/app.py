"""The one Slack App: built here, served by the Lambda handler, the local HTTP endpoint and
Socket Mode with the same listeners and middleware."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from exec_assistant.slack.middleware import AllowListMiddleware, EventDedupeMiddleware

if TYPE_CHECKING:  # the ports module imports the whole domain: not on a cold start
    from exec_assistant.ports import Clock, SeenEventRepository


def build_slack_app(
    *,
    client: WebClient,
    signing_secret: str | None,
    executive_user_id: str,
    allowed_users: Sequence[str],
    seen_events: SeenEventRepository,
    register: Callable[[App], None],
    process_before_response: bool,
    clock: Clock,
) -> App:
    """The App, built offline (no call to Slack until the first request, which calls
    auth.test once), every request's signature verified. `signing_secret` None is for
    Socket Mode alone, whose requests come over the app's own connection and carry no
    signature: such an App must never be served over HTTP.

    `process_before_response=True` on Lambda: the ack is sent when the listener returns, and
    slow work goes to lazy listeners (re-invocations of the function). Locally False: Bolt
    acks at once and runs the listener on its worker threads.
    `register(app)` adds the listeners; the middleware runs before any of them, and every
    event none of them takes is acknowledged and ignored.
    """
    if signing_secret is not None and not signing_secret:
        raise ValueError("a Slack App needs its signing secret (SLACK_SIGNING_SECRET)")
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _ClientTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_ClientTokenNotice())
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        name="exec-assistant",
    )
    app.use(AllowListMiddleware([executive_user_id, *allowed_users]))
    app.use(EventDedupeMiddleware(seen_events, clock))
    register(app)
    # Last, so it matches only what no listener took: Bolt answers an unmatched event 404,
    # which Slack retries (HTTP) or leaves unacknowledged (Socket Mode) until it gives up.
    app.event(re.compile(".*"))(_ignore_event)
    app.action(re.compile(".*"))(_stale_button)
    app.view(re.compile(".*"))(_stale_form)
    return app


class _ClientTokenNotice(logging.Filter):
    """Drops Bolt's warning that SLACK_BOT_TOKEN, which it reads from the environment on its
    own, is unused beside `client`: the client is built from that very token, and the
    warning would greet every `serve`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


STALE_TEXT = (
    "That button is from an older version of this message and does nothing now; "
    "/prep list shows your meetings as they stand."
)


def _stale_button(ack: Ack, respond: Respond) -> None:
    """A button no listener takes (left in an old message): acknowledged, and said so,
    instead of the error mark Slack shows for an unanswered click."""
    ack()
    respond(text=STALE_TEXT, replace_original=False, response_type="ephemeral")


def _stale_form(ack: Ack) -> None:
    ack()


def _ignore_event() -> None:
    """An event the assistant does not act on, acknowledged so Slack does not send it again."""
