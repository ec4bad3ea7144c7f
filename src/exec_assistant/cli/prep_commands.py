"""Prep commands: prep, answer and serve."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from exec_assistant.bootstrap import LocalApp, build_engine, build_local, build_prep
from exec_assistant.channels.answering import AnsweringChannel
from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.channels.outbox import JsonLinesChannel
from exec_assistant.channels.terminal import TerminalChannel
from exec_assistant.cli.common import (
    JsonOption,
    NowOption,
    app,
    load_command_settings,
    parse_now,
    print_json,
    print_json_line,
    print_sync,
    run_sync,
    ui,
)
from exec_assistant.clocks import OffsetClock, SystemClock
from exec_assistant.domain.errors import DataFolderInUse, ExecAssistantError, UsageError
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.models import Meeting, MeetingStatus, SessionState
from exec_assistant.ports import ChatChannel, Clock
from exec_assistant.presentation import sync_json
from exec_assistant.services.answers import waiting_session
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.prep import due_preps, session_id_for
from exec_assistant.settings import Settings

if TYPE_CHECKING:
    from exec_assistant.workflows.local import LocalWorkflowEngine

S = MeetingStatus
_SETTLED = frozenset({S.MATERIALS_READY, S.REMINDED, S.COMPLETED, S.CANCELLED, S.SKIPPED})
AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--answers",
        metavar="FILE",
        help="Answers to the prep questions (YAML or JSON): a list in question order, or a "
        "mapping of question number to answer.",
    ),
]


def make_clock(now: str | None, settings: Settings) -> Clock:
    return SystemClock() if now is None else OffsetClock(parse_now(now, settings.zone))


@contextmanager
def running_engine(
    local: LocalApp, channel: ChatChannel, clock: Clock
) -> Iterator[tuple[PrepDependencies, LocalWorkflowEngine]]:
    from exec_assistant.workflows.local import DurableTimer  # DBOS: imported when used

    deps = build_prep(local, channel, clock)
    engine = build_engine(local, deps, DurableTimer(clock))
    engine.launch()
    try:
        yield deps, engine
    finally:
        engine.shutdown()


def _wait(
    deps: PrepDependencies,
    engine: LocalWorkflowEngine,
    meeting_id: str,
    workflow_id: str,
    *,
    answers_expected: bool,
    timeout_seconds: float = 900,
) -> Meeting:
    """Until the pack is delivered, the prep ends, or it waits for answers nobody has given."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        meeting = find_meeting(deps.meetings, meeting_id)
        if meeting.status in _SETTLED:
            return meeting
        if engine.status(workflow_id) in (
            "SUCCESS",
            "ERROR",
            "CANCELLED",
            "MAX_RECOVERY_ATTEMPTS_EXCEEDED",
        ):
            return meeting
        if not answers_expected and meeting.status == S.NOTIFIED:
            session = deps.sessions.get(session_id_for(workflow_id))
            if session is not None and session.state == SessionState.WAITING:
                return meeting
        time.sleep(0.1)
    raise ExecAssistantError(
        f"the prep of {meeting_id} did not finish within {timeout_seconds:g} s"
    )


def _report(meeting: Meeting, deps: PrepDependencies, as_json: bool) -> None:
    zone = deps.executive.zone
    session = deps.sessions.get(session_id_for(workflow_id_for(meeting.meeting_id, meeting.start)))
    data: dict[str, Any] = {
        "meeting_id": meeting.meeting_id,
        "title": meeting.title,
        "status": meeting.status.value,
        "pack_location": meeting.pack_location,
        "generated_by": meeting.generated_by,
        "answers": session.state.value if session else None,
        "answers_due": session.answers_due.astimezone(zone).isoformat()
        if session and session.answers_due
        else None,
        "reminder_at": meeting.reminder_at.astimezone(zone).isoformat()
        if meeting.reminder_at
        else None,
    }
    if as_json:
        print_json(data)
        return
    if meeting.status == S.NOTIFIED:
        due = session.answers_due.astimezone(zone) if session and session.answers_due else None
        until = f" until {due:%a %d %b %H:%M}" if due else ""
        ui.out.print(
            f"Waiting for your answers{until}: "
            f"exec-assistant answer {meeting.meeting_id} --answers FILE "
            "(or leave it: the pack is written without them when the time is up, "
            "by 'exec-assistant serve')."
        )
    elif meeting.pack_location:
        ui.out.print(f"[green]✓[/] Pack ready: {meeting.pack_location}")
        if meeting.status == S.MATERIALS_READY and meeting.reminder_at:
            ui.out.print(
                f"Final reminder at {meeting.reminder_at.astimezone(zone):%a %d %b %H:%M}, "
                "sent by 'exec-assistant serve'."
            )
    else:
        ui.out.print(f"Prep of '{meeting.title}' ended: the meeting is {meeting.status.value}.")


@app.command()
def prep(
    ctx: typer.Context,
    meeting_id: Annotated[str, typer.Argument(help="The meeting's id, from 'meetings'.")],
    answers: AnswersOption = None,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Prepare one meeting now: ask, gather context, write and deliver its pack.

    Starts the prep, or resumes it where it stopped. Without --answers, the questions are
    asked at the terminal when you are at the keyboard; otherwise it stops while waiting for
    answers, which you give later with 'exec-assistant answer'.
    """
    settings, _ = load_command_settings(ctx)
    clock = make_clock(now, settings)
    answers_file = AnswersFile(answers) if answers else None
    interactive = answers_file is None and not as_json and sys.stdin.isatty()
    local = build_local(settings, command="prep", exclusive=True)
    try:
        meeting = find_meeting(local.meetings, meeting_id)
        if meeting.status in (S.SKIPPED, S.CANCELLED, S.COMPLETED):
            raise UsageError(
                f"meeting {meeting.meeting_id} ({meeting.title}) is {meeting.status.value}"
                + (f": {meeting.skip_reason}" if meeting.skip_reason else "")
                + "; there is nothing to prepare"
            )
        given = answers_file.answers_for(meeting) if answers_file else None
        if answers_file is not None and given is None:
            raise UsageError(f"answers file {answers} has no answers for '{meeting.title}'")
        channel = TerminalChannel(
            ui.out, settings.zone, interactive=interactive, answers=answers_file
        )
        with running_engine(local, channel, clock) as (deps, engine):
            workflow_id = workflow_id_for(meeting.meeting_id, meeting.start)
            session = deps.sessions.get(session_id_for(workflow_id))
            if given is not None and session is not None and session.state == SessionState.WAITING:
                engine.deliver_answers(workflow_id, given)
            engine.start(meeting)
            final = _wait(
                deps,
                engine,
                meeting.meeting_id,
                workflow_id,
                answers_expected=given is not None or interactive,
            )
            _report(final, deps, as_json)
    finally:
        local.close()


@app.command()
def answer(
    ctx: typer.Context,
    meeting_id: Annotated[str, typer.Argument(help="The meeting's id, from 'meetings'.")],
    answers: Annotated[
        Path,
        typer.Option(
            "--answers", metavar="FILE", help="The answers (YAML or JSON), as for 'prep'."
        ),
    ],
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Give the answers a waiting prep asked for; the prep then goes on.

    If 'exec-assistant serve' is running, it continues the prep; otherwise this command does,
    until the pack is delivered.
    """
    settings, _ = load_command_settings(ctx)
    clock = make_clock(now, settings)
    answers_file = AnswersFile(answers)
    try:
        local = build_local(settings, command="answer", exclusive=True)
    except DataFolderInUse:
        _answer_running_server(settings, meeting_id, answers_file, as_json)
        return
    try:
        meeting, _session = waiting_session(local.meetings, local.chat_sessions, meeting_id)
        given = answers_file.answers_for(meeting)
        if given is None:
            raise UsageError(f"answers file {answers} has no answers for '{meeting.title}'")
        channel = TerminalChannel(ui.out, settings.zone, interactive=False)
        with running_engine(local, channel, clock) as (deps, engine):
            workflow_id = workflow_id_for(meeting.meeting_id, meeting.start)
            engine.deliver_answers(workflow_id, given)
            final = _wait(deps, engine, meeting.meeting_id, workflow_id, answers_expected=True)
            _report(final, deps, as_json)
    finally:
        local.close()


def _answer_running_server(
    settings: Settings, meeting_id: str, answers_file: AnswersFile, as_json: bool
) -> None:
    local = build_local(settings, command="answer", exclusive=False)
    try:
        meeting, _session = waiting_session(local.meetings, local.chat_sessions, meeting_id)
        given = answers_file.answers_for(meeting)
        if given is None:
            raise UsageError(
                f"answers file {answers_file.path} has no answers for '{meeting.title}'"
            )
        from exec_assistant.workflows.local import send_answers  # DBOS: imported when used

        send_answers(local.data.path, workflow_id_for(meeting.meeting_id, meeting.start), given)
    finally:
        local.close()
    if as_json:
        print_json({"meeting_id": meeting.meeting_id, "delivered": True, "continued_by": "serve"})
    else:
        ui.out.print(
            f"[green]✓[/] Answers for '{meeting.title}' delivered; the running "
            "'exec-assistant serve' continues the prep."
        )


@app.command()
def serve(
    ctx: typer.Context,
    answers: AnswersOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every event as a JSON line instead.")
    ] = False,
    now: NowOption = None,
) -> None:
    """Run the assistant: sync calendars every 2 hours, start each prep at its time, send the
    final reminders. Ctrl-C stops it; unfinished preps resume on the next start.

    Questions are shown here; answer them with 'exec-assistant answer' from another terminal
    (or give --answers with a file of answers by meeting).
    """
    settings, _ = load_command_settings(ctx)
    clock = make_clock(now, settings)
    answers_file = AnswersFile(answers) if answers else None
    local = build_local(settings, command="serve", exclusive=True)
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        channel: ChatChannel = (
            AnsweringChannel(JsonLinesChannel(), answers_file)
            if as_json
            else TerminalChannel(ui.out, settings.zone, interactive=False, answers=answers_file)
        )
        events = _JsonEvents() if as_json else None
        with running_engine(local, channel, clock) as (deps, engine):
            if events:
                events.emit("started", data_dir=str(local.data.path))
            else:
                ui.out.print(
                    f"Serving from {local.data.path} (calendar sync every "
                    f"{settings.calendar_poll_hours:g} h). Ctrl-C to stop.",
                    highlight=False,
                )
            _serve_loop(local, deps, engine, clock, stop, events)
        if events:
            events.emit("stopped")
        else:
            ui.out.print(
                "Stopped. Unfinished preps resume when 'exec-assistant serve' starts again."
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        local.close()


class _JsonEvents:
    def emit(self, kind: str, **fields: Any) -> None:
        print_json_line({"kind": kind, "at": datetime.now(UTC).isoformat(), **fields})


def _serve_loop(
    local: LocalApp,
    deps: PrepDependencies,
    engine: LocalWorkflowEngine,
    clock: Clock,
    stop: threading.Event,
    events: _JsonEvents | None,
) -> None:
    settings = local.settings
    next_sync: datetime | None = clock.now()
    while not stop.is_set():
        current = clock.now()
        if next_sync is not None and current >= next_sync:
            if settings.calendars:
                try:
                    report = run_sync(local, [], current)
                    if events:
                        events.emit("sync", **sync_json(report, settings.zone))
                    else:
                        print_sync(report, settings.zone)
                    for workflow_id in report.superseded_workflows:
                        engine.cancel(workflow_id)
                except ExecAssistantError as exc:
                    ui.err.print(f"[red]error:[/] {exc}")
                next_sync = current + timedelta(hours=settings.calendar_poll_hours)
            else:
                ui.out.print(
                    "No calendars configured (EXEC_ASSISTANT_CALENDARS): preparing the "
                    "meetings already stored."
                )
                next_sync = None
        for meeting in due_preps(deps, current):
            workflow_id = engine.start(meeting)
            if events:
                events.emit("prep_started", meeting_id=meeting.meeting_id, workflow_id=workflow_id)
        stop.wait(settings.serve_tick_seconds)
