"""`exec-assistant demo`: Jordan Lee's fortnight, played on a simulated clock in seconds."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.text import Text

from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.bootstrap import (
    LocalApp,
    build_local,
    build_notes_reader,
    build_runtime,
    secret_store,
    terminal_channel,
)
from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.cli.common import JsonOption, NowOption, app, parse_now, print_json, ui
from exec_assistant.cli.views import print_sync
from exec_assistant.clocks import SimulatedClock
from exec_assistant.display_text import TITLE_LIMIT, safe_markdown, safe_text
from exec_assistant.domain.errors import ExecAssistantError, UsageError
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.domain.text import plural
from exec_assistant.observability import configure_logging
from exec_assistant.ports import Clock, PrepEngine, PrepRunState
from exec_assistant.presentation import meeting_json, meetings_table, sync_json
from exec_assistant.services.followup import list_action_items, list_decisions
from exec_assistant.services.meetings import list_meetings
from exec_assistant.services.notes import process_notes
from exec_assistant.services.sync_calendars import SyncReport
from exec_assistant.services.tick import Ticker
from exec_assistant.settings import load_settings

if TYPE_CHECKING:
    from exec_assistant.workflows.dbos_engine import SimulatedTimer

PLAN_FILE = "demo.yaml"
DEMO_MARKER = ".exec-assistant-demo"
"""In a folder the demo made, so it may empty it for the next run."""
DEFAULT_DEMO_HOME = Path("~/.exec-assistant-demo")


@dataclass(frozen=True)
class NotesEvent:
    title: str
    day: date
    file: Path


@dataclass(frozen=True)
class DemoPlan:
    executive: str
    timezone: str
    now: str
    calendar: Path
    context: Path
    answers: Path
    notes: list[NotesEvent]
    show_pack: str | None


def shipped_examples() -> Path:
    """The examples shipped inside the package: the demo runs from any folder."""
    return Path(str(resources.files("exec_assistant").joinpath("examples")))


def load_plan(folder: Path) -> DemoPlan:
    path = folder / PLAN_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return DemoPlan(
            executive=str(raw["executive"]),
            timezone=str(raw["timezone"]),
            now=str(raw["now"]),
            calendar=folder / raw["calendar"],
            context=folder / raw["context"],
            answers=folder / raw["answers"],
            notes=[
                NotesEvent(str(n["meeting"]), n["date"], folder / n["file"])
                for n in raw.get("notes", [])
            ],
            show_pack=str(raw["show_pack"]) if raw.get("show_pack") else None,
        )
    except FileNotFoundError:
        raise UsageError(
            f"cannot find {path}", hint="Pass --examples with a folder holding demo.yaml."
        ) from None
    except (KeyError, TypeError, yaml.YAMLError) as exc:
        raise UsageError(f"invalid demo plan {path}: {exc}") from None


def fresh_demo_folder(home: Path) -> Path:
    """An empty data folder for the demo: one it made before is emptied; a folder with
    anything else in it is refused, so the demo never touches real data."""
    home = home.expanduser()
    if home.exists():
        if not home.is_dir():
            raise UsageError(f"{home} is not a folder")
        if (home / DEMO_MARKER).exists():
            # Not from under a demo still running there: DataFolderInUse names it.
            probe = DataFolder(home)
            probe.acquire("demo")
            probe.release()
            shutil.rmtree(home)
        elif any(home.iterdir()):
            raise UsageError(
                f"{home} is not empty, and not a folder an earlier demo made",
                hint="The demo needs a fresh folder: give another --data-dir.",
            )
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    (home / DEMO_MARKER).write_text("made by 'exec-assistant demo'; emptied by the next one\n")
    return home


class Simulation:
    """Moves the simulated clock through the fortnight, letting every prep run in between."""

    def __init__(self, engine: PrepEngine, timer: SimulatedTimer, ticker: Ticker) -> None:
        self._engine = engine
        self._timer = timer
        self._ticker = ticker
        self.started: list[str] = []

    def settle(self, limit_seconds: float = 60) -> None:
        """Until every prep has finished or waits for a later time."""
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            now = self._timer.now()
            sleeping = self._timer.sleeping()
            busy = [w for w in self.started if not (sleeping.get(w, now) > now or self._done(w))]
            if not busy:
                return
            time.sleep(0.01)
        raise ExecAssistantError("the demo's preps did not settle in time")

    def _done(self, workflow_id: str) -> bool:
        run = self._engine.status(workflow_id)
        return run is not None and run.state != PrepRunState.RUNNING

    def advance(self, instant: datetime) -> None:
        """To `instant`, waking each waiting prep at its own time on the way."""
        while True:
            wakes = [w for w in self._timer.sleeping().values() if w <= instant]
            if not wakes:
                break
            self._timer.advance_to(min(wakes))
            self.settle()
        self._timer.advance_to(instant)
        self.settle()

    def now(self) -> datetime:
        return self._timer.now()

    def tick(self) -> None:
        """Start what is due now, as `serve` would."""
        report = self._ticker.tick(sync=False)
        started: list[PrepRequest] = [*report.started, *report.retried]
        self.started += [r.workflow_id for r in started]
        self.settle()


@app.command()
def demo(
    ctx: typer.Context,
    examples: Annotated[
        Path | None,
        typer.Option(help="A folder with demo.yaml and its files (default: the shipped ones)."),
    ] = None,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """The whole cycle on the examples, in a fresh data folder, in under a minute.

    Jordan Lee, VP of Infrastructure, from Monday 30 Nov 2026 07:00 New York time: the
    calendar is synced and classified, each meeting's prep starts at its time (answers come
    from the examples' answers.yaml; meetings without answers show the timeout path), context
    is gathered from the examples' context folder, packs are written and delivered, reminders
    go out 2 hours before, and the notes become decisions and action items that come back in
    the next preps. Time is simulated; the data goes to ~/.exec-assistant-demo (emptied at
    each run) or --data-dir, never to your own data folder.
    """
    plan = load_plan(examples or shipped_examples())
    options = ctx.obj
    home = fresh_demo_folder(options.data_dir or DEFAULT_DEMO_HOME)
    settings, _ = load_settings(
        {
            "home": home,
            "config_dir": options.config_dir or home / "config",
            "user_email": plan.executive,
            "timezone": plan.timezone,
            "calendars": [str(plan.calendar)],
            "context_dir": plan.context,
        }
    )
    configure_logging("INFO" if options.verbose else settings.log_level)
    zone = settings.zone
    start = parse_now(now or plan.now, zone)
    from exec_assistant.workflows.dbos_engine import SimulatedTimer  # DBOS: imported when used

    clock = SimulatedClock(start)
    timer = SimulatedTimer(clock)
    console = ui.err if as_json else ui.out
    local = build_local(settings, command="demo", exclusive=True)
    started_at = time.perf_counter()
    try:
        console.rule("[bold]exec-assistant demo")
        console.print(
            f"Jordan Lee's fortnight, from {start.astimezone(zone):%a %d %b %Y %H:%M} "
            f"({zone.key}), on a simulated clock. Data folder: {local.data.path}\n",
            markup=False,
            highlight=False,
        )
        channel = terminal_channel(
            console, zone, interactive=False, answers=AnswersFile(plan.answers), stamped_by=clock
        )
        runtime = build_runtime(local, channel, clock, timer=timer, verbose=options.verbose)
        report = runtime.ticker.tick(sync=True, prepare=False).sync
        assert report is not None
        if not as_json:
            _print_fortnight(local, report, start)
        runtime.engine.launch()
        try:
            console.rule("The fortnight")
            sim = Simulation(runtime.engine, timer, runtime.ticker)
            _play(local, plan, sim, report.window_end, console, runtime.clock)
        finally:
            runtime.engine.shutdown()
        result = _summary(local, start, report.window_end)
    finally:
        local.close()
    seconds = time.perf_counter() - started_at
    if as_json:
        print_json(
            {
                "data_dir": str(home),
                "sync": sync_json(report, zone),
                **result,
                "seconds": round(seconds, 2),
            }
        )
        return
    _print_summary(result, home, plan, console, seconds)


def _print_fortnight(local: LocalApp, report: SyncReport, start: datetime) -> None:
    zone = local.settings.zone
    print_sync(report, zone, ui.out)
    found = list_meetings(local.meetings, report.window_start, report.window_end)
    names = {t.id: t.name for t in local.config.catalog}
    ui.out.print(meetings_table(found, zone, names, start, ui.out.width))
    ui.out.print(
        f"{len(found)} meetings: {sum(1 for m in found if m.prep_at)} to prepare, "
        f"{sum(1 for m in found if m.status == MeetingStatus.SKIPPED)} skipped, "
        f"{sum(1 for m in found if m.status == MeetingStatus.CANCELLED)} cancelled.\n"
    )


def _play(
    local: LocalApp,
    plan: DemoPlan,
    sim: Simulation,
    end: datetime,
    console: Console,
    clock: Clock,
) -> None:
    zone = local.settings.zone
    reader = build_notes_reader(local, clock, secret_store())
    window = list_meetings(local.meetings, sim.now(), end)
    events: list[tuple[datetime, int, Any]] = [
        (m.prep_at, 1, m) for m in window if m.prep_at is not None
    ]
    for note in plan.notes:
        meeting = next(
            (
                m
                for m in window
                if m.title == note.title and m.start.astimezone(zone).date() == note.day
            ),
            None,
        )
        if meeting is None:
            raise UsageError(f"demo plan: no meeting '{note.title}' on {note.day}")
        events.append((meeting.end + timedelta(minutes=30), 0, (meeting, note)))
    for instant, _, subject in sorted(events, key=lambda e: (e[0], e[1])):
        sim.advance(instant)
        if isinstance(subject, Meeting):
            sim.tick()
            continue
        meeting, note = subject
        result = process_notes(
            meeting.meeting_id,
            note.file.read_text(encoding="utf-8"),
            meetings=local.meetings,
            action_items=local.action_items,
            decisions=local.decisions,
            documents=local.documents,
            meeting_date=note.day,
            now=instant,
            reader=reader,
            catalog=local.config.catalog,
            private_providers=tuple(local.settings.private_providers),
        )
        at = instant.astimezone(zone)
        unresolved = sum(1 for i in result.action_items if not i.owner_resolved)
        console.print(
            Text.assemble(
                (f"{at:%a %d %b %H:%M}  ", "dim"),
                ("notes processed", "magenta"),
                " for ",
                (safe_text(meeting.title).plain, "bold"),
                f": {plural(len(result.decisions), 'decision')}, "
                f"{plural(len(result.action_items), 'action item')}",
                f" ({unresolved} with an owner who is not an attendee)" if unresolved else "",
            )
        )
    sim.advance(end)


def _summary(local: LocalApp, start: datetime, end: datetime) -> dict[str, Any]:
    zone = local.settings.zone
    meetings = list_meetings(local.meetings, start, end)
    packs = [
        {
            "meeting_id": m.meeting_id,
            "title": m.title,
            "start": m.start.astimezone(zone).isoformat(),
            "status": m.status.value,
            "pack": m.pack_location,
            "generated_by": m.generated_by,
        }
        for m in meetings
        if m.pack_location
    ]
    items = list_action_items(local.action_items, local.meetings, end.astimezone(zone).date())
    decided = list_decisions(local.decisions, local.meetings)
    return {
        "meetings": [meeting_json(m, zone) for m in meetings],
        "packs": packs,
        "action_items": [
            {
                "text": v.item.text,
                "owner": v.item.owner,
                "owner_resolved": v.item.owner_resolved,
                "due": v.item.due.isoformat() if v.item.due else None,
                "status": v.item.status.value,
                "overdue": v.overdue,
                "meeting": v.meeting.title if v.meeting else None,
                "source_line": v.item.source_line,
            }
            for v in items
        ],
        "decisions": [
            {
                "text": v.decision.text,
                "status": v.decision.status.value,
                "meeting": v.meeting.title if v.meeting else None,
                "source_line": v.decision.source_line,
            }
            for v in decided
        ],
    }


def _print_summary(
    result: dict[str, Any], home: Path, plan: DemoPlan, console: Console, seconds: float
) -> None:
    console.rule("Where things are")
    packs = result["packs"]
    console.print(
        f"{len(packs)} prep packs, each a folder of agenda.json, questions.json, "
        "context.json, notes_template.md and a readable agenda.md:"
    )
    for pack in packs:
        console.print(
            Text.assemble(
                f"  {pack['start'][:16].replace('T', ' ')}  ",
                safe_text(pack["title"], limit=TITLE_LIMIT),
                ": ",
                safe_text(pack["pack"]),
            )
        )
    open_items = [i for i in result["action_items"] if i["status"] == "open"]
    console.print(
        f"\n{len(result['action_items'])} action items ({len(open_items)} open) and "
        f"{len(result['decisions'])} decisions from the notes; open items came back in the "
        "next preps of their series and in 1:1s with their owner."
    )
    shown = next((p for p in packs if p["title"] == plan.show_pack), None)
    if shown and shown["pack"]:
        console.rule(Text.assemble("The pack for ", safe_text(shown["title"], limit=TITLE_LIMIT)))
        console.print(safe_markdown(Path(shown["pack"]).read_text(encoding="utf-8")))
    console.print(
        f"\nDone in {seconds:.1f} s. Explore: exec-assistant --data-dir {home} actions --open",
        markup=False,
        highlight=False,
    )
