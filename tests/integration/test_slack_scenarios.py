"""The executive's whole prep cycle in Slack: signed requests into the App served over HTTP
(as `serve --http-port` serves it), a real DBOS prep behind it, and what a fake Slack Web API
on 127.0.0.1 received."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.bootstrap import (
    LocalApp,
    PrepRuntime,
    SlackSetup,
    build_local,
    build_runtime,
    slack_setup,
    slack_webhook_dependencies,
)
from exec_assistant.cli.serving import Serving, serving_requests
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.handlers.slack_webhook import make_handler
from exec_assistant.ports import PrepRunState
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.preps import start_prep
from exec_assistant.slack import blocks
from exec_assistant.slack.webhook_bootstrap import build_slack_webhook_app

from factories import LEADERS, calendar_text, person, rig_settings, stamp, vevent
from slack_api import SlackApiServer
from slack_payloads import (
    SlackRequest,
    button,
    button_payload,
    dm_message,
    post,
    slash,
    text_values,
    view_submission,
)
from slack_requests import (
    EXEC_USER,
    SIGNING_SECRET,
    STRANGER,
    LambdaContext,
    ReinvokingLambdaClient,
    api_gateway_event,
)
from socket_mode_server import SocketModeServer

PRIORITIES = "What are your top priorities for the team this week?"


class ShiftedClock:
    """The real time, moved forward by what the test says has passed."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class SlackRig:
    local: LocalApp
    runtime: PrepRuntime
    slack: SlackSetup
    api: SlackApiServer
    port: int
    calendar: Path
    clock: ShiftedClock

    # --- the calendar and the prep ---------------------------------------------------------

    def write(self, *events: str) -> None:
        self.calendar.write_text(calendar_text(*events))
        report = self.runtime.ticker.tick(sync=True, prepare=False)
        assert report.sync is not None

    def leadership(self, start: datetime, uid: str = "lt@test") -> str:
        return vevent(
            uid,
            "Leadership team",
            stamp(start),
            stamp(start + timedelta(minutes=60)),
            tz=None,
            attendees=LEADERS,
        )

    def meeting(self, title: str = "Leadership team") -> Meeting:
        now = datetime.now(UTC)
        found = self.local.meetings.list_between(now - timedelta(days=1), now + timedelta(days=3))
        return next(m for m in found if m.title == title)

    def start(self, title: str = "Leadership team") -> str:
        return start_prep(self.local.meetings, self.runtime.engine, self.meeting(title)).workflow_id

    def wait_for(self, status: MeetingStatus, title: str = "Leadership team") -> Meeting:
        self.until(lambda: self.meeting(title).status == status, f"status {status}")
        return self.meeting(title)

    def until(self, check: Callable[[], Any], what: str, seconds: float = 20) -> list[Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if result := check():
                return [result]
            time.sleep(0.05)
        raise AssertionError(f"waited {seconds} s for {what}")

    # --- Slack -----------------------------------------------------------------------------

    @property
    def dm(self) -> str:
        return self.api.dm_of(EXEC_USER)

    def thread_ts(self, title: str = "Leadership team") -> str:
        thread = self.local.chat_threads.get(self.meeting(title).meeting_id)
        assert thread is not None, "no thread for the meeting"
        return thread.ts

    def thread(self, title: str = "Leadership team") -> list[dict[str, Any]]:
        return self.api.messages_in(self.dm, self.thread_ts(title))

    def said(self, text: str, title: str = "Leadership team") -> bool:
        return any(text in str(m.get("text")) + str(m.get("blocks")) for m in self.thread(title))

    def send(self, request: SlackRequest) -> str:
        status, body = post(self.port, request)
        assert status == 200, (status, body)
        return body

    def click(
        self, action_id: str, title: str = "Leadership team", *, user: str = EXEC_USER
    ) -> str:
        return self.send(
            button(
                user,
                action_id,
                self.meeting(title).meeting_id,
                channel=self.dm,
                message_ts=self.thread_ts(title),
                response_url=self.api.response_url(f"r{time.monotonic_ns()}"),
            )
        )

    def reply(self, text: str, title: str = "Leadership team") -> str:
        return self.send(dm_message(EXEC_USER, self.dm, text, thread_ts=self.thread_ts(title)))

    def modal(self, callback_id: str) -> dict[str, Any]:
        found = self.until(
            lambda: [v for v in self.api.views() if v.get("callback_id") == callback_id],
            f"a {callback_id} modal",
        )[0]
        return dict(found[-1])

    def submit(self, view: dict[str, Any], values: dict[str, Any]) -> str:
        return self.send(view_submission(EXEC_USER, view, values))

    def command(self, text: str, *, user: str = EXEC_USER) -> str:
        return self.send(slash(user, text, response_url=self.api.response_url("cmd")))


RigFactory = Callable[..., SlackRig]


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[RigFactory]:
    with ExitStack() as stack:

        def make(
            rules: str = "response_timeout_hours: 0.01\n",
            *,
            socket: SocketModeServer | None = None,
            **more: Any,
        ) -> SlackRig:
            """Slack's requests over HTTP (signed), or over Socket Mode through `socket`
            (no signing secret at all)."""
            api = stack.enter_context(
                SlackApiServer(ws_url=socket.url if socket is not None else None)
            )
            config = tmp_path / "config"
            config.mkdir(exist_ok=True)
            (config / "notification_rules.yaml").write_text(rules)
            calendar = tmp_path / "calendar.ics"
            calendar.write_text(calendar_text())
            settings = rig_settings(
                tmp_path,
                config,
                calendar,
                slack_user_id=EXEC_USER,
                slack_api_url=api.base_url,
                **more,
            )
            given = {"SLACK_BOT_TOKEN": api.bot_token}
            if socket is None:
                given["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
            else:
                given["SLACK_APP_TOKEN"] = api.app_token
            secrets = EnvSecretStore(given)
            clock = ShiftedClock()
            local = build_local(settings, command="test", exclusive=True)
            stack.callback(local.close)
            slack = slack_setup(local, clock, secrets)
            assert slack is not None
            runtime = build_runtime(
                local, slack.channel, clock, pause=lambda seconds: None, conversing=True
            )
            runtime.engine.launch()
            stack.callback(runtime.engine.shutdown)
            serving = Serving(http_port=0) if socket is None else Serving(socket_mode=True)
            served = stack.enter_context(serving_requests(serving, local, runtime, slack, secrets))
            url = served.slack_url
            port = int(url.rsplit(":", 1)[1].split("/")[0]) if url else 0
            return SlackRig(local, runtime, slack, api, port, calendar, clock)

        yield make


@pytest.fixture
def rig(make_rig: RigFactory) -> SlackRig:
    return make_rig()


def asking(rig: SlackRig, minutes: int = 110) -> str:
    """A leadership meeting whose prep is due now, started and asking."""
    rig.write(rig.leadership(datetime.now(UTC) + timedelta(minutes=minutes)))
    workflow_id = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.until(lambda: rig.local.chat_threads.get(rig.meeting().meeting_id), "the notification")
    return workflow_id


def test_the_notification_names_the_meeting_its_time_type_and_why_with_its_buttons(
    rig: SlackRig,
) -> None:
    asking(rig)
    [root] = rig.api.messages_in(rig.dm)
    shown = str(root["blocks"])
    assert "Leadership team" in shown and "Leadership" in shown
    assert "America/New_York" in shown  # the time in the executive's zone, the zone named
    assert rig.meeting().classification_reason
    actions = {
        element["action_id"]
        for block in root["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }
    assert {
        blocks.ACTION_PREP_NOW,
        blocks.ACTION_USE_DEFAULTS,
        blocks.ACTION_SNOOZE,
        blocks.ACTION_SKIP,
        blocks.ACTION_RECLASSIFY,
    } <= actions


def test_prep_now_opens_the_questions_and_submitting_them_resumes_the_prep(
    rig: SlackRig,
) -> None:
    workflow_id = asking(rig)
    rig.click(blocks.ACTION_PREP_NOW)
    view = rig.modal(blocks.VIEW_ANSWERS)
    assert PRIORITIES in str(view["blocks"])
    rig.submit(view, text_values({"q1": "Close the capacity plan"}, view))
    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.answered is True
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and pack.answers[PRIORITIES] == "Close the capacity plan"
    rig.until(lambda: rig.api.uploaded(), "the pack file")
    [(name, content)] = rig.api.uploaded()
    assert name.endswith(".md") and b"Close the capacity plan" in content
    assert rig.said("Agenda") or rig.said("agenda")
    assert rig.meeting().status == MeetingStatus.MATERIALS_READY


def test_replies_in_the_thread_answer_one_question_after_another(rig: SlackRig) -> None:
    workflow_id = asking(rig)
    rig.reply("Close the capacity plan")
    rig.until(lambda: rig.said("Next, 2."), "the next question")
    rig.reply("2. The vendor outage\n3: Approve the Q1 hiring plan")
    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.answered is True
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None
    assert list(pack.answers.values()) == [
        "Close the capacity plan",
        "The vendor outage",
        "Approve the Q1 hiring plan",
    ]


def test_use_defaults_prepares_without_answers(rig: SlackRig) -> None:
    workflow_id = asking(rig)
    rig.click(blocks.ACTION_USE_DEFAULTS)
    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.outcome == "done"
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and not any(pack.answers.values())


def test_snooze_asks_again_two_hours_later_once(make_rig: RigFactory) -> None:
    rig = make_rig("response_timeout_hours: 24\nfinal_reminder_minutes: 30\n")
    asking(rig, minutes=24 * 60)
    rig.click(blocks.ACTION_SNOOZE)
    rig.until(lambda: rig.said("Snoozed"), "the snooze notice")
    asked = len(rig.thread())
    rig.runtime.ticker.tick(sync=False)
    assert len(rig.thread()) == asked  # not yet
    rig.clock.offset = timedelta(hours=2, minutes=1)
    rig.runtime.ticker.tick(sync=False)
    rig.runtime.ticker.tick(sync=False)
    assert len(rig.thread()) == asked + 1
    assert PRIORITIES in str(rig.thread()[-1]["blocks"])


def test_skip_stops_the_prep_and_nothing_more_is_sent(rig: SlackRig) -> None:
    workflow_id = asking(rig)
    rig.click(blocks.ACTION_SKIP)
    rig.wait_for(MeetingStatus.SKIPPED)
    rig.until(lambda: rig.said("Skipped"), "the skip notice")

    def stopped() -> PrepRunState | None:
        run = rig.runtime.engine.status(workflow_id)
        return run.state if run is not None and run.state != PrepRunState.RUNNING else None

    assert rig.until(stopped, "the workflow to stop") == [PrepRunState.CANCELLED]
    time.sleep(1)
    assert rig.api.uploaded() == []


def test_not_a_leadership_meeting_reclassifies_the_series_and_asks_the_new_questions(
    rig: SlackRig,
) -> None:
    asking(rig)
    rig.click(blocks.ACTION_RECLASSIFY)
    view = rig.modal(blocks.VIEW_RECLASSIFY)
    chosen = {
        blocks.TYPE_ACTION: {
            blocks.TYPE_ACTION: {
                "type": "static_select",
                "selected_option": {"value": "one_on_one"},
            }
        }
    }
    rig.submit(view, chosen)
    rig.until(lambda: rig.meeting().meeting_type == "one_on_one", "the new type")
    assert rig.local.overrides.get(rig.meeting().series_id) == "one_on_one"
    rig.until(lambda: rig.said("What do you want to make sure you cover"), "the 1:1 questions")


def test_a_reclassify_without_a_type_is_refused_in_the_form(rig: SlackRig) -> None:
    asking(rig)
    rig.click(blocks.ACTION_RECLASSIFY)
    answer = rig.submit(rig.modal(blocks.VIEW_RECLASSIFY), {})
    assert "errors" in answer and "Choose a meeting type" in answer
    assert rig.meeting().meeting_type == "leadership_team"


def test_the_final_reminder_is_one_message_in_the_thread(rig: SlackRig) -> None:
    start = datetime.now(UTC) + timedelta(hours=2, seconds=4)
    rig.write(rig.leadership(start))
    workflow_id = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.until(lambda: rig.local.chat_threads.get(rig.meeting().meeting_id), "the notification")
    rig.click(blocks.ACTION_USE_DEFAULTS)
    rig.runtime.engine.result(workflow_id)
    assert rig.meeting().status == MeetingStatus.REMINDED
    last = rig.thread()[-1]
    assert "Leadership team" in str(last.get("text")) + str(last.get("blocks"))
    assert len(rig.api.messages_in(rig.dm)) == 1  # everything else is in the thread


NOTES = """# Leadership team

Decision: We freeze hiring for Q1.
- [ ] Send the revised budget - Owner: Priya Raman - Due: 2026-12-20
"""


def prepared_and_over(rig: SlackRig) -> Meeting:
    workflow_id = asking(rig)
    rig.click(blocks.ACTION_USE_DEFAULTS)
    rig.runtime.engine.result(workflow_id)
    rig.clock.offset = timedelta(hours=3)  # the meeting has ended
    return rig.meeting()


def test_after_the_meeting_the_thread_asks_for_the_notes_once(rig: SlackRig) -> None:
    prepared_and_over(rig)
    rig.runtime.ticker.tick(sync=False)
    rig.runtime.ticker.tick(sync=False)
    asked = [m for m in rig.thread() if "notes" in str(m.get("text")).lower()]
    assert len(asked) == 1


def test_notes_in_the_thread_come_back_for_acceptance_and_count_only_once_accepted(
    rig: SlackRig,
) -> None:
    prepared_and_over(rig)
    rig.reply(NOTES)
    rig.until(lambda: rig.said("Accept"), "the notes result")
    result = rig.thread()[-1]
    assert "Send the revised budget" in str(result["blocks"])
    assert "Priya Raman" in str(result["blocks"]) and "20 Dec 2026" in str(result["blocks"])
    assert "Nothing" in rig.command("actions") or "Send the revised budget" not in rig.command(
        "actions"
    )
    rig.click(blocks.ACTION_ACCEPT_NOTES)
    rig.until(lambda: rig.api.responses, "the accepted result")
    assert "Accepted" in str(rig.api.responses[-1].body)
    assert "Send the revised budget" in rig.command("actions")
    assert "We freeze hiring for Q1" in rig.command("decisions")


def test_notes_sent_as_a_file_in_the_thread_are_read(rig: SlackRig) -> None:
    prepared_and_over(rig)
    shared = rig.api.add_file(
        rig.dm, "notes.md", NOTES.encode(), user=EXEC_USER, thread_ts=rig.thread_ts()
    )
    rig.send(
        dm_message(EXEC_USER, rig.dm, "", thread_ts=rig.thread_ts(), files=[{"id": shared["id"]}])
    )
    rig.until(lambda: rig.said("Send the revised budget"), "the notes result")


def test_edit_corrects_an_item_before_acceptance(rig: SlackRig) -> None:
    prepared_and_over(rig)
    rig.reply(NOTES)
    rig.until(lambda: rig.said("Accept"), "the notes result")
    rig.click(blocks.ACTION_EDIT_NOTES)
    view = rig.modal(blocks.VIEW_EDIT_NOTES)
    [item] = rig.local.action_items.list(meeting_id=rig.meeting().meeting_id)
    values = text_values({f"text/{item.item_id}": "Send the budget v2"}, view)
    values[f"due/{item.item_id}"] = {"due": {"type": "datepicker", "selected_date": "2026-12-22"}}
    rig.submit(view, values)
    rig.until(lambda: rig.said("Send the budget v2"), "the edited result")
    [edited] = rig.local.action_items.list(meeting_id=rig.meeting().meeting_id)
    assert edited.text == "Send the budget v2" and str(edited.due) == "2026-12-22"
    assert not edited.accepted


def test_an_empty_edit_is_refused_in_the_form(rig: SlackRig) -> None:
    prepared_and_over(rig)
    rig.reply(NOTES)
    rig.until(lambda: rig.said("Accept"), "the notes result")
    rig.click(blocks.ACTION_EDIT_NOTES)
    view = rig.modal(blocks.VIEW_EDIT_NOTES)
    [item] = rig.local.action_items.list(meeting_id=rig.meeting().meeting_id)
    answer = rig.submit(view, text_values({f"text/{item.item_id}": "   "}, view))
    assert "errors" in answer and f"text/{item.item_id}" in answer


def test_prep_list_help_and_an_unknown_verb(rig: SlackRig) -> None:
    asking(rig)
    listed = rig.command("list")
    assert "Leadership team" in listed
    assert "list" in rig.command("help") and "decisions" in rig.command("help")
    assert "list" in rig.command("dance")


def test_prep_now_starts_a_meeting_s_prep(rig: SlackRig) -> None:
    rig.write(rig.leadership(datetime.now(UTC) + timedelta(hours=30)))
    assert "Preparing" in rig.command("now Leadership")
    rig.wait_for(MeetingStatus.NOTIFIED)
    assert "already" in rig.command(f"now {rig.meeting().meeting_id}")
    assert "no meeting matches" in rig.command("now Board of Directors")


def test_prep_notes_opens_a_form_for_pasted_notes(rig: SlackRig) -> None:
    prepared_and_over(rig)
    rig.command("notes Leadership")
    view = rig.modal(blocks.VIEW_PASTE_NOTES)
    rig.submit(view, text_values({blocks.NOTES_BLOCK: NOTES}, view))
    rig.until(lambda: rig.said("Send the revised budget"), "the notes result")


def test_beyond_the_daily_limit_requests_wait_in_one_digest(make_rig: RigFactory) -> None:
    rig = make_rig("response_timeout_hours: 0.01\nmax_prep_requests_per_day: 1\n")
    soon = datetime.now(UTC) + timedelta(minutes=110)
    board = vevent(
        "board@test",
        "Budget review",
        stamp(soon + timedelta(minutes=5)),
        stamp(soon + timedelta(minutes=35)),
        tz=None,
        attendees=LEADERS,
    )
    rig.write(rig.leadership(soon), board)
    rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.start("Budget review")
    rig.wait_for(MeetingStatus.NOTIFIED, "Budget review")
    top = rig.until(
        lambda: len(rig.api.messages_in(rig.dm)) == 2 and rig.api.messages_in(rig.dm),
        "two messages",
    )[0]
    digest = [m for m in top if "Budget review" in str(m["blocks"])]
    assert len(digest) == 1 and "Leadership team" not in str(digest[0]["blocks"])


def test_someone_else_is_refused_politely_and_learns_nothing(rig: SlackRig) -> None:
    asking(rig)
    answer = rig.command("list", user=STRANGER)
    assert "Leadership" not in answer
    rig.click(blocks.ACTION_SKIP, user=STRANGER)
    time.sleep(0.5)
    assert rig.meeting().status == MeetingStatus.NOTIFIED


def test_a_one_to_one_shows_its_attendee(rig: SlackRig) -> None:
    start = datetime.now(UTC) + timedelta(minutes=110)
    rig.write(
        vevent(
            "1on1@test",
            "Priya / Exec 1:1",
            stamp(start),
            stamp(start + timedelta(minutes=30)),
            tz=None,
            attendees=(person("Priya Raman"),),
        )
    )
    rig.start("Priya / Exec 1:1")
    rig.wait_for(MeetingStatus.NOTIFIED, "Priya / Exec 1:1")
    rig.until(lambda: rig.api.messages_in(rig.dm), "the notification")
    assert "1:1" in str(rig.api.messages_in(rig.dm)[0]["blocks"])


def test_through_the_webhook_lambda_the_questions_form_resumes_the_running_prep(
    rig: SlackRig,
) -> None:
    """The same App behind API Gateway: Prep now opens the form at once; the submission is
    acked, its lazy part re-invoked as Lambda would, and the answers reach the prep that the
    assistant is running."""
    workflow_id = asking(rig)
    secrets = EnvSecretStore(
        {"SLACK_BOT_TOKEN": rig.api.bot_token, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    )
    lambda_client = ReinvokingLambdaClient()
    handler = make_handler(
        lambda: build_slack_webhook_app(
            rig.local.settings,
            lambda store, at: slack_webhook_dependencies(rig.local.settings, store, at),
            secrets=secrets,
            clock=rig.clock,
        ),
        lambda_client=lambda_client,
    )
    lambda_client.handler = handler

    def invoke(request: SlackRequest) -> dict[str, Any]:
        answer = handler(api_gateway_event(request.body, request.headers), LambdaContext())
        assert answer["statusCode"] == 200, answer
        return answer

    invoke(
        button(
            EXEC_USER,
            blocks.ACTION_PREP_NOW,
            rig.meeting().meeting_id,
            channel=rig.dm,
            message_ts=rig.thread_ts(),
            response_url=rig.api.response_url("lambda"),
        )
    )
    view = rig.modal(blocks.VIEW_ANSWERS)
    invoke(view_submission(EXEC_USER, view, text_values({"q1": "Ship the Q1 plan"}, view)))
    lambda_client.wait(20)
    assert [i["InvocationType"] for i in lambda_client.invocations] == ["Event"]
    assert rig.runtime.engine.result(workflow_id).answered is True
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and pack.answers[PRIORITIES] == "Ship the Q1 plan"


def test_prep_actions_for_a_mentioned_person_lists_what_they_owe(rig: SlackRig) -> None:
    prepared_and_over(rig)
    rig.reply(NOTES + "- [ ] Book the offsite - Owner: Marcus Webb\n")
    rig.until(lambda: rig.said("Accept"), "the notes result")
    rig.click(blocks.ACTION_ACCEPT_NOTES)
    rig.until(lambda: rig.api.responses, "the accepted result")
    rig.api.add_user("UPRIYA001", "Priya Raman", "priya.raman@northwind.example")
    rig.api.add_user("UMARCUS01", "Marcus Webb")  # no email: the app may not read them
    priya = rig.command("actions <@UPRIYA001|priya>")
    assert "Send the revised budget" in priya and "Book the offsite" not in priya
    marcus = rig.command("actions <@UMARCUS01|marcus>")
    assert "Book the offsite" in marcus and "Send the revised budget" not in marcus
    assert "Book the offsite" in rig.command("actions Marcus")


def test_a_revoked_token_fails_the_prep_at_once_with_the_fix_not_retried_in_a_loop(
    rig: SlackRig,
) -> None:
    rig.api.revoke()
    rig.write(rig.leadership(datetime.now(UTC) + timedelta(minutes=110)))
    rig.start()
    failed = rig.wait_for(MeetingStatus.FAILED)
    assert failed.prep_error is not None
    assert "token_revoked" in failed.prep_error and "SLACK_BOT_TOKEN" in failed.prep_error
    assert rig.api.bot_token not in failed.prep_error
    tried = [c for c in rig.api.calls() if c.method != "auth.test"]
    assert len(tried) == 1, [c.method for c in tried]  # one try: a retry gets the same answer
    assert failed.retry_at is not None  # a later attempt, once the token may be fixed


def test_a_button_from_an_old_message_is_answered_not_left_with_an_error(
    rig: SlackRig,
) -> None:
    asking(rig)
    rig.click("a_button_of_an_older_version")
    rig.until(lambda: rig.api.responses, "the answer to the click")
    assert "older version" in str(rig.api.responses[-1].body)


def test_prep_commands_in_quotes_are_understood(rig: SlackRig) -> None:
    asking(rig)
    assert "Leadership team" in rig.command('"list"')
    assert "already" in rig.command("“now” “Leadership”")


def test_over_socket_mode_the_same_buttons_drive_the_prep(make_rig: RigFactory) -> None:
    """No public URL and no signing secret: Slack's requests arrive as envelopes on the app's
    own WebSocket, each acked by its envelope id, and reach the same listeners."""
    with SocketModeServer() as socket:
        rig = make_rig(socket=socket)
        rig.until(lambda: socket.connections, "the Socket Mode connection")
        workflow_id = asking(rig)
        click = button_payload(
            EXEC_USER,
            blocks.ACTION_USE_DEFAULTS,
            rig.meeting().meeting_id,
            channel=rig.dm,
            message_ts=rig.thread_ts(),
            response_url=rig.api.response_url("socket"),
        )
        socket.send(
            {
                "envelope_id": "env-1",
                "type": "interactive",
                "accepts_response_payload": False,
                "payload": click,
            }
        )
        assert socket.ack()["envelope_id"] == "env-1"
        assert rig.runtime.engine.result(workflow_id).outcome == "done"
        rig.until(lambda: rig.api.uploaded(), "the pack in the thread")


def test_prep_now_for_the_next_instance_of_a_series_starts_from_last_time_s_answers(
    rig: SlackRig,
) -> None:
    start = datetime.now(UTC) + timedelta(minutes=110)
    weekly = vevent(
        "lt-series@test",
        "Leadership team",
        stamp(start),
        stamp(start + timedelta(minutes=60)),
        tz=None,
        attendees=LEADERS,
        extra=["RRULE:FREQ=DAILY;COUNT=2"],
    )
    rig.write(weekly)
    first, second = sorted(
        rig.local.meetings.list_between(start - timedelta(hours=1), start + timedelta(days=2)),
        key=lambda m: m.start,
    )
    assert first.series_id == second.series_id
    done = start_prep(rig.local.meetings, rig.runtime.engine, first).workflow_id
    rig.until(lambda: rig.local.chat_threads.get(first.meeting_id), "the first notification")
    rig.click(blocks.ACTION_PREP_NOW)
    view = rig.modal(blocks.VIEW_ANSWERS)
    rig.submit(view, text_values({"q1": "Close the capacity plan"}, view))
    rig.runtime.engine.result(done)

    start_prep(rig.local.meetings, rig.runtime.engine, second)
    thread = rig.until(lambda: rig.local.chat_threads.get(second.meeting_id), "the second")[0]
    rig.send(
        button(
            EXEC_USER,
            blocks.ACTION_PREP_NOW,
            second.meeting_id,
            channel=rig.dm,
            message_ts=thread.ts,
            response_url=rig.api.response_url("second"),
        )
    )
    rig.until(lambda: len(rig.api.views()) == 2, "the second form")
    [q1] = [b for b in rig.api.views()[-1]["blocks"] if b.get("block_id") == "q1"]
    assert q1["element"]["initial_value"] == "Close the capacity plan"


def test_prep_now_for_a_skipped_meeting_says_so_and_starts_nothing(rig: SlackRig) -> None:
    asking(rig)
    rig.click(blocks.ACTION_SKIP)
    rig.wait_for(MeetingStatus.SKIPPED)
    assert "is skipped: nothing is prepared" in rig.command("now Leadership")
    assert rig.meeting().status == MeetingStatus.SKIPPED
