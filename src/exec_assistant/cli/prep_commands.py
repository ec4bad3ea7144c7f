"""Prep commands: prep, answer and serve."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from exec_assistant.bootstrap import (
    LazyClientEngine,
    LocalApp,
    PrepRuntime,
    SlackSetup,
    build_local,
    build_runtime,
    forget_earlier_web_page,
    json_lines_channel,
    secret_store,
    slack_setup,
    terminal_channel,
)
from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.channels.fan_out import FanOutChannel
from exec_assistant.cli.common import (
    JsonOption,
    NowOption,
    app,
    load_command_settings,
    make_clock,
    print_json,
    print_json_line,
    ui,
)
from exec_assistant.cli.runtimes import Runtime, RuntimeOption, aws_app, aws_errors
from exec_assistant.cli.serving import Serving, serving_requests
from exec_assistant.cli.views import print_prep, print_sync
from exec_assistant.display_text import TITLE_LIMIT, safe_markup, safe_text
from exec_assistant.domain.errors import (
    DataFolderInUse,
    ExecAssistantError,
    Interrupted,
    UsageError,
)
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.domain.text import without_passwords
from exec_assistant.ports import ChatChannel, Clock, PrepRunState, SecretStore
from exec_assistant.presentation import sync_json
from exec_assistant.services.answers import submit_answers, waiting_session
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.preps import (
    PrepProgress,
    follow_prep,
    prep_request,
    prepare_meeting,
    request_retry,
    retry_prep,
)
from exec_assistant.services.sync_calendars import SyncReport
from exec_assistant.settings import Settings

AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--answers",
        metavar="FILE",
        help="Answers to the prep questions (YAML or JSON): a list in question order, or a "
        "mapping of question number to answer.",
    ),
]
STOP_WITHIN_SECONDS = 0.3
"""How long serve waits for a tick under way to notice the stop; its state is safe anyway."""


@contextmanager
def launched(runtime: PrepRuntime) -> Iterator[PrepRuntime]:
    """DBOS running for the duration: workflows left unfinished by an earlier process resume."""
    runtime.engine.launch()
    try:
        yield runtime
    finally:
        runtime.engine.shutdown()


def _progress_json(progress: PrepProgress, settings: Settings) -> dict[str, Any]:
    zone = settings.zone
    meeting, session = progress.meeting, progress.session
    return {
        "meeting_id": meeting.meeting_id,
        "title": meeting.title,
        "status": meeting.status.value,
        "workflow_id": progress.workflow_id,
        "workflow": progress.run.state.value if progress.run else None,
        "prep_error": meeting.prep_error,
        "retry_at": meeting.retry_at.astimezone(zone).isoformat() if meeting.retry_at else None,
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


def _finish(progress: PrepProgress, settings: Settings, clock: Clock, as_json: bool) -> None:
    failed = progress.meeting.status == MeetingStatus.FAILED or (
        progress.run is not None and progress.run.state == PrepRunState.FAILED
    )
    if as_json:
        print_json(_progress_json(progress, settings))
    else:
        print_prep(
            progress.meeting, progress.session, progress.run, settings.zone, clock.now(), ui.out
        )
    if failed:
        raise typer.Exit(1)


@app.command()
def prep(
    ctx: typer.Context,
    meeting_id: Annotated[str, typer.Argument(help="The meeting's id, from 'meetings'.")],
    answers: AnswersOption = None,
    retry: Annotated[
        bool,
        typer.Option("--retry", help="Start a failed prep afresh now (answers given are kept)."),
    ] = False,
    as_json: JsonOption = False,
    now: NowOption = None,
    deployment: RuntimeOption = Runtime.LOCAL,
) -> None:
    """Prepare one meeting now: ask, gather context, write and deliver its pack.

    Starts the prep, or resumes it where it stopped. Without --answers, the questions are
    asked at the terminal when you are at the keyboard; otherwise it stops while waiting for
    answers, which you give later with 'exec-assistant answer'. With --json, the result is
    printed as JSON and the prep's messages go to stderr. With --runtime aws (and --retry
    only), a failed prep of the deployment gets a fresh execution there.
    """
    settings, _ = load_command_settings(ctx)
    if deployment == Runtime.AWS:
        if not retry or answers is not None:
            raise UsageError(
                "--runtime aws works with --retry only (and without --answers): the "
                "deployment's preps run on AWS, answered in Slack"
            )
        _retry_on_aws(settings, meeting_id, as_json)
        return
    clock = make_clock(now, settings)
    answers_file = AnswersFile(answers) if answers else None
    interactive = answers_file is None and not as_json and sys.stdin.isatty()
    try:
        local = build_local(settings, command="prep", exclusive=True)
    except DataFolderInUse as in_use:
        if not (retry and in_use.held_by_serve):
            raise
        _retry_in_serve(settings, meeting_id, clock, as_json)
        return
    try:
        meeting = find_meeting(local.meetings, meeting_id)
        raw = answers_file.raw_for(meeting) if answers_file else None
        if answers_file is not None and raw is None:
            raise ExecAssistantError(f"answers file {answers} has no answers for '{meeting.title}'")
        console = ui.err if as_json else ui.out
        channel = terminal_channel(
            console, settings.zone, interactive=interactive, answers=answers_file
        )
        runtime = build_runtime(local, channel, clock, verbose=ctx.obj.verbose)
        with launched(runtime):
            progress = prepare_meeting(
                local.meetings,
                local.chat_sessions,
                runtime.engine,
                local.config.catalog,
                meeting.meeting_id,
                answers=raw,
                answers_source=f"answers file {answers}",
                retry=retry,
                waits_for_answers=raw is not None or interactive,
                follow_ups=FollowUps(runtime.deps),
            )
        _finish(progress, settings, clock, as_json)
    finally:
        local.close()


def _retry_on_aws(settings: Settings, meeting_id: str, as_json: bool) -> None:
    app = aws_app(settings)
    with aws_errors():
        request = retry_prep(app.meetings, app.prep_engine(), meeting_id)
        meeting = find_meeting(app.meetings, request.meeting_id)
    if as_json:
        print_json(
            {
                "meeting_id": meeting.meeting_id,
                "retry": "started",
                "by": "aws",
                "workflow_id": request.workflow_id,
                "attempt": request.attempt,
            }
        )
        return
    ui.out.print(
        safe_markup(
            "[green]✓[/] Attempt {attempt} of the prep of '{title}' is starting on AWS "
            "(execution {workflow_id}).",
            attempt=str(request.attempt),
            title=safe_text(meeting.title, limit=TITLE_LIMIT),
            workflow_id=request.workflow_id,
        )
    )


def _retry_in_serve(settings: Settings, meeting_id: str, clock: Clock, as_json: bool) -> None:
    local = build_local(settings, command="prep", exclusive=False)
    try:
        meeting = request_retry(local.meetings, meeting_id, clock.now())
    finally:
        local.close()
    if as_json:
        print_json({"meeting_id": meeting.meeting_id, "retry": "requested", "by": "serve"})
        return
    ui.out.print(
        safe_markup(
            "[green]✓[/] The running 'exec-assistant serve' retries the prep of '{title}' "
            "within {seconds} s.",
            title=safe_text(meeting.title, limit=TITLE_LIMIT),
            seconds=f"{settings.serve_tick_seconds:g}",
        )
    )


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
    except DataFolderInUse as in_use:
        if not in_use.held_by_serve:
            raise  # nothing would carry the prep on: say what holds the folder
        _answer_running_server(settings, meeting_id, answers_file, as_json)
        return
    try:
        meeting, _session = waiting_session(local.meetings, local.chat_sessions, meeting_id)
        raw = answers_file.raw_for(meeting)
        if raw is None:
            raise ExecAssistantError(f"answers file {answers} has no answers for '{meeting.title}'")
        console = ui.err if as_json else ui.out
        channel = terminal_channel(console, settings.zone, interactive=False)
        runtime = build_runtime(local, channel, clock, verbose=ctx.obj.verbose)
        with launched(runtime):
            submit_answers(
                local.meetings,
                local.chat_sessions,
                runtime.engine,
                meeting.meeting_id,
                raw,
                f"answers file {answers}",
                follow_ups=FollowUps(runtime.deps),
            )
            progress = follow_prep(
                local.meetings,
                local.chat_sessions,
                runtime.engine,
                meeting.meeting_id,
                prep_request(meeting).workflow_id,
                waits_for_answers=True,
            )
        _finish(progress, settings, clock, as_json)
    finally:
        local.close()


def _answer_running_server(
    settings: Settings, meeting_id: str, answers_file: AnswersFile, as_json: bool
) -> None:
    local = build_local(settings, command="answer", exclusive=False)
    engine = LazyClientEngine(local)
    try:
        meeting = find_meeting(local.meetings, meeting_id)
        raw = answers_file.raw_for(meeting)
        if raw is None:
            raise ExecAssistantError(
                f"answers file {answers_file.path} has no answers for '{meeting.title}'"
            )
        submitted = submit_answers(
            local.meetings,
            local.chat_sessions,
            engine,
            meeting.meeting_id,
            raw,
            f"answers file {answers_file.path}",
        )
    finally:
        engine.close()
        local.close()
    if as_json:
        print_json(
            {
                "meeting_id": submitted.meeting.meeting_id,
                "delivered": True,
                "continued_by": "serve",
            }
        )
        return
    ui.out.print(
        safe_markup(
            "[green]✓[/] Answers for '{title}' delivered; the running 'exec-assistant serve' "
            "continues the prep.",
            title=safe_text(submitted.meeting.title, limit=TITLE_LIMIT),
        )
    )


@app.command()
def serve(
    ctx: typer.Context,
    answers: AnswersOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every event as a JSON line instead.")
    ] = False,
    now: NowOption = None,
    http_port: Annotated[
        int | None,
        typer.Option(
            "--http-port",
            min=0,
            max=65535,
            help="Serve the web page on this port (a sign-in link is printed), and Slack's "
            "requests (events, buttons, /prep) at POST /slack/events when Slack is set up "
            "(then SLACK_SIGNING_SECRET is needed). 0: a free port.",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="The address --http-port listens on; only this machine unless you say "
            "otherwise (0.0.0.0: every interface).",
        ),
    ] = "127.0.0.1",
    socket_mode: Annotated[
        bool,
        typer.Option(
            "--socket-mode",
            help="Take Slack's requests over Socket Mode: no public URL needed. Needs "
            "SLACK_APP_TOKEN.",
        ),
    ] = False,
) -> None:
    """Run the assistant: sync calendars every 2 hours, start each prep at its time, retry
    failed ones, send the final reminders. Ctrl-C stops it within a second (about two with the
    web page, whose requests under way are given a second to finish); unfinished preps resume
    on the next start.

    Questions are shown here; answer them with 'exec-assistant answer' from another terminal
    (or give --answers with a file of answers by meeting). With --http-port, the web page
    serves the fortnight, the packs, the notes, the commitments and the decisions on this
    machine: open the sign-in link it prints. With Slack configured, questions go to your
    Slack DM too; with --http-port or --socket-mode, you answer there.
    """
    settings, _ = load_command_settings(ctx)
    clock = make_clock(now, settings)
    answers_file = AnswersFile(answers) if answers else None
    serving = Serving(http_port=http_port, host=host, socket_mode=socket_mode)
    local = build_local(settings, command="serve", exclusive=True)
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        secrets = secret_store()
        slack = slack_setup(local, clock, secrets)
        serving.check(slack)
        channel: ChatChannel = (
            json_lines_channel(clock, answers_file)
            if as_json
            else terminal_channel(ui.out, settings.zone, interactive=False, answers=answers_file)
        )
        if slack is not None:
            channel = FanOutChannel(slack.channel, channel)
        events = _JsonEvents(clock) if as_json else None
        runtime = build_runtime(
            local,
            channel,
            clock,
            abort=stop,
            sync_every=timedelta(hours=settings.calendar_poll_hours),
            verbose=ctx.obj.verbose,
            conversing=True,
        )
        with launched(runtime):
            if events:
                events.emit("started", data_dir=str(local.data.path))
            else:
                ui.out.print(
                    f"Serving from {local.data.path} (calendar sync every "
                    f"{settings.calendar_poll_hours:g} h). Ctrl-C to stop.",
                    markup=False,
                    highlight=False,
                )
                if not settings.calendars:
                    ui.out.print(
                        "No calendars configured (EXEC_ASSISTANT_CALENDARS): preparing the "
                        "meetings already stored."
                    )
            with _served(serving, local, runtime, slack, secrets, events):
                _serve_until_stopped(local, runtime, stop, events)
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


@contextmanager
def _served(
    serving: Serving,
    local: LocalApp,
    runtime: PrepRuntime,
    slack: SlackSetup | None,
    secrets: SecretStore,
    events: _JsonEvents | None,
) -> Iterator[None]:
    """The web page and Slack served as asked, and said so; with Slack configured but not
    served, a word on what that leaves out."""
    forget_earlier_web_page(local.data.path)
    if not serving.wanted:
        if slack is not None:
            if events:
                events.emit("slack", sending=True, serving=False)
            else:
                _say(
                    "Slack: messages go to your DM; its buttons and /prep need --http-port or "
                    "--socket-mode."
                )
        yield
        return
    with serving_requests(serving, local, runtime, slack, secrets) as served:
        if events:
            if served.sign_in_url:
                events.emit("web", sign_in_url=served.sign_in_url)
            if slack is not None:
                events.emit(
                    "slack",
                    sending=True,
                    serving=True,
                    url=served.slack_url,
                    socket_mode=served.socket_mode,
                )
        else:
            if served.sign_in_url:
                _say(
                    f"Web page: open {served.sign_in_url} to sign in (the link works once, "
                    "for a day; 'exec-assistant sign-in-link' makes another)."
                )
            ways = []
            if served.slack_url:
                ways.append(f"POST {served.slack_url}")
            if served.socket_mode:
                ways.append("Socket Mode")
            if ways:
                _say(f"Slack: taking requests at {' and '.join(ways)}.")
        yield


def _say(line: str) -> None:
    ui.out.print(line, markup=False, highlight=False, soft_wrap=True)


class _JsonEvents:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def emit(self, kind: str, **fields: Any) -> None:
        print_json_line({"kind": kind, "at": self._clock.now().isoformat(), **fields})


def _serve_until_stopped(
    local: LocalApp, runtime: PrepRuntime, stop: threading.Event, events: _JsonEvents | None
) -> None:
    """Tick in a worker thread; the main thread only waits for Ctrl-C or SIGTERM, so it
    answers within a second whatever a tick is doing (a slow calendar, say)."""
    settings = local.settings
    observer = _ServeObserver(settings, events, ui.out)

    def ticking() -> None:
        while not stop.is_set():
            try:
                runtime.ticker.tick(observer=observer)
            except Interrupted:
                return
            except Exception as exc:  # one bad round must not end serve
                if stop.is_set():
                    return  # the stores are closing under it
                problem = exc if isinstance(exc, ExecAssistantError) else repr(exc)
                ui.err.print(safe_markup("[red]error:[/] {problem}", problem=str(problem)))
            stop.wait(settings.serve_tick_seconds)

    worker = threading.Thread(target=ticking, name="tick", daemon=True)
    worker.start()
    while not stop.is_set() and worker.is_alive():
        stop.wait(0.2)
    worker.join(STOP_WITHIN_SECONDS)


class _ServeObserver:
    def __init__(self, settings: Settings, events: _JsonEvents | None, console: Console) -> None:
        self._settings = settings
        self._events = events
        self._console = console
        self._told: set[tuple[str, int]] = set()

    def sync_failed(self, problem: str) -> None:
        if self._events:
            self._events.emit("sync_failed", error=without_passwords(problem))
        else:
            self._console.print(
                safe_markup("[red]error:[/] {problem}", problem=without_passwords(problem))
            )

    def synced(self, report: SyncReport) -> None:
        if self._events:
            self._events.emit("sync", **sync_json(report, self._settings.zone))
        else:
            print_sync(report, self._settings.zone, self._console)

    def failed(self, meeting: Meeting) -> None:
        if (meeting.meeting_id, meeting.prep_attempt) in self._told:
            return
        self._told.add((meeting.meeting_id, meeting.prep_attempt))
        zone = self._settings.zone
        retry_at = meeting.retry_at.astimezone(zone) if meeting.retry_at else None
        if self._events:
            self._events.emit(
                "prep_failed",
                meeting_id=meeting.meeting_id,
                attempt=meeting.prep_attempt,
                error=meeting.prep_error,
                retry_at=retry_at.isoformat() if retry_at else None,
            )
            return
        when = f"retried at {retry_at:%a %d %b %H:%M}" if retry_at else "not retried"
        self._console.print(
            safe_markup(
                "[red]✗[/] Prep of '{title}' failed: {error} ({when}; retry now with "
                "exec-assistant prep {meeting_id} --retry)",
                title=safe_text(meeting.title, limit=TITLE_LIMIT),
                error=meeting.prep_error or "an error",
                when=when,
                meeting_id=meeting.meeting_id,
            )
        )

    def started(self, request: PrepRequest, retry: bool) -> None:
        if self._events:
            self._events.emit(
                "prep_retried" if retry else "prep_started",
                meeting_id=request.meeting_id,
                workflow_id=request.workflow_id,
                attempt=request.attempt,
            )
