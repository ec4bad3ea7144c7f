"""The listeners of the App: which of the executive's turns in Slack goes where.

Each acks at once. A listener whose work takes more than a moment acks first and does it
lazily: on Bolt's worker threads locally, as a second invocation of the function on Lambda.
Opening a modal cannot wait (its trigger expires in 3 seconds), so it happens in the ack.

Light on purpose: the turns themselves, with the services and the domain they import, are
loaded on the first turn, not on the webhook function's cold start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from exec_assistant.slack import ids

if TYPE_CHECKING:
    from exec_assistant.slack.turns import SlackDependencies, SlackTurns


def register_listeners(
    deps: SlackDependencies | Callable[[], SlackDependencies],
) -> Callable[[App], None]:
    """The `register` callable `build_slack_app` takes. Given a function instead of the
    dependencies, it is called once, by the first turn that needs them (the webhook
    function builds its stores on its first request, not on its cold start)."""

    def register(app: App) -> None:
        SlackListeners(deps).register(app)

    return register


class SlackListeners:
    def __init__(self, deps: SlackDependencies | Callable[[], SlackDependencies]) -> None:
        self._given = deps
        self._turns: SlackTurns | None = None
        self._lock = threading.Lock()

    def _t(self) -> SlackTurns:
        if self._turns is None:
            with self._lock:
                if self._turns is None:
                    from exec_assistant.slack.turns import SlackDependencies, SlackTurns

                    given = self._given
                    deps = given if isinstance(given, SlackDependencies) else given()
                    self._turns = SlackTurns(deps)
        return self._turns

    def register(self, app: App) -> None:
        app.action(ids.ACTION_PREP_NOW)(self.open_answers)
        app.view(ids.VIEW_ANSWERS)(ack=_ack, lazy=[self.take_answers])
        app.action(ids.ACTION_USE_DEFAULTS)(ack=_ack, lazy=[self.use_defaults])
        app.action(ids.ACTION_SNOOZE)(ack=_ack, lazy=[self.snooze])
        app.action(ids.ACTION_SKIP)(ack=_ack, lazy=[self.skip])
        app.action(ids.ACTION_RECLASSIFY)(self.open_reclassify)
        app.view(ids.VIEW_RECLASSIFY)(ack=self.check_type, lazy=[self.reclassify])
        app.action(ids.ACTION_ACCEPT_NOTES)(ack=_ack, lazy=[self.accept_notes])
        app.action(ids.ACTION_EDIT_NOTES)(self.open_edit_notes)
        app.view(ids.VIEW_EDIT_NOTES)(ack=self.check_edits, lazy=[self.save_edits])
        app.action(ids.ACTION_PASTE_NOTES)(self.open_paste_notes)
        app.view(ids.VIEW_PASTE_NOTES)(ack=self.check_pasted_notes, lazy=[self.take_pasted_notes])
        app.command("/prep")(self.command)
        app.event("message")(ack=_ack, lazy=[self.message])

    # Bolt hands each listener the arguments its parameters name: each keeps the names.

    def open_answers(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        self._t().open_answers(ack, body, client, respond)

    def take_answers(self, body: dict[str, Any]) -> None:
        self._t().take_answers(body)

    def use_defaults(self, body: dict[str, Any], respond: Respond) -> None:
        self._t().use_defaults(body, respond)

    def snooze(self, body: dict[str, Any], respond: Respond) -> None:
        self._t().snooze(body, respond)

    def skip(self, body: dict[str, Any], respond: Respond) -> None:
        self._t().skip(body, respond)

    def open_reclassify(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        self._t().open_reclassify(ack, body, client, respond)

    def check_type(self, ack: Ack, body: dict[str, Any]) -> None:
        self._t().check_type(ack, body)

    def reclassify(self, body: dict[str, Any]) -> None:
        self._t().reclassify(body)

    def accept_notes(self, body: dict[str, Any], respond: Respond) -> None:
        self._t().accept_notes(body, respond)

    def open_edit_notes(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        self._t().open_edit_notes(ack, body, client, respond)

    def check_edits(self, ack: Ack, body: dict[str, Any]) -> None:
        self._t().check_edits(ack, body)

    def save_edits(self, body: dict[str, Any]) -> None:
        self._t().save_edits(body)

    def open_paste_notes(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        self._t().open_paste_notes(ack, body, client, respond)

    def check_pasted_notes(self, ack: Ack, body: dict[str, Any]) -> None:
        self._t().check_pasted_notes(ack, body)

    def take_pasted_notes(self, body: dict[str, Any]) -> None:
        self._t().take_pasted_notes(body)

    def message(self, body: dict[str, Any], client: WebClient) -> None:
        self._t().message(body, client)

    def command(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._t().command(ack, body, client)


def _ack(ack: Ack) -> None:
    ack()
