"""Benchmark: 100 meeting preps running at once through the local workflow engine.

What it measures
----------------
It writes, into a temporary folder, a small iCalendar file with N one-off meetings (default
100) starting between 1 h 40 min and 1 h 55 min from the real current time: leadership team
meetings, 1:1s, QBRs, reliability reviews, vendor meetings with an external attendee and
general meetings, 2-8 attendees each, the executive (exec@bench.example) among them. Every
prep is therefore due now, and none has a final reminder to wait for (a meeting less than
2 h away when first seen gets none).

It then runs the real local code path, as `exec-assistant serve` does: settings from
`load_settings`, `build_local` on a fresh data folder (SQLite), `sync_calendars`, then
`build_runtime` on the real clock (the DBOS engine interpreting the workflow spec, on the
folder's SQLite) and `engine.launch()`. Each prep is started with `start_prep`, as the tick
does. The channel is the outbox (one JSON line per message); the pack generator is the
offline one.

Timed (time.perf_counter) from the first start to the last result:

- main run, "answers delivered as soon as each asks": start all N preps, then poll the
  meetings and give each prep its answers (`submit_answers`, as `exec-assistant answer`
  does: stored with the session, then delivered to the token the wait attached) once its
  meeting is `notified`, then wait for every result;
- second run, on a fresh data folder, "answered at once": the channel returns the answers
  as it asks (as the terminal does with an answers file), so no prep waits. It shows what
  the wait and the polling round trip cost.

While the preps run, one loop polls every 50 ms: the meetings (for `notified`, in the main
run) and DBOS's list of finished workflows. Per-prep latency is from a prep's `engine.start`
to the sweep that saw it finished (so within 50 ms); `engine.result` polls once a second per
workflow, too coarse to time them, and is called once all are seen finished, to collect the
outcomes. A table of step times, from DBOS's own record of every step of every prep, shows
where a prep's time goes; "(between steps)" is the rest: DBOS's bookkeeping and waiting for
the interpreter or the database.

Checks, on each run: every meeting ends `materials_ready`, every workflow returns `done`
with its answers, every pack's `agenda.json` exists, and the outbox holds exactly N `pack`
lines (one per meeting, each written with the answers), one `questions` line per meeting
and no duplicate.

Target: all N (100) preps done in under 30 s, in the main run. Exit status: 0 when the
target is met and every check passes, 1 when the target is missed, 2 when a check fails.

Run:  .venv/bin/python bench/workflow.py [--meetings N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dbos import DBOS

from exec_assistant.bootstrap import LocalApp, build_local, build_runtime
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.identity import meeting_id_for
from exec_assistant.domain.models import ChatSession, Meeting, MeetingStatus
from exec_assistant.ports import Clock
from exec_assistant.services.answers import session_of, submit_answers
from exec_assistant.services.pack_documents import AGENDA_JSON
from exec_assistant.services.preps import start_prep
from exec_assistant.services.sync_calendars import sync_calendars
from exec_assistant.settings import load_settings
from exec_assistant.workflows.dbos_engine import DbosPrepEngine

EXECUTIVE_EMAIL = "exec@bench.example"
EXECUTIVE_NAME = "Jordan Lee"
DOMAIN = "bench.example"
TARGET_S = 30.0
SEED = 20261130
# Meetings start 1 h 40 min to 1 h 55 min from now: inside the 2 h before a meeting, so the
# prep is due at once and there is no final reminder to sleep until.
FIRST_START = timedelta(minutes=100)
LAST_START = timedelta(minutes=115)
POLL_S = 0.05
GIVE_UP_S = 600.0  # a stuck prep fails the checks instead of hanging the benchmark
PROJECT = Path(__file__).resolve().parent.parent
CONTEXT_DIR = PROJECT / "examples" / "context"
ANSWERS = (
    "Agree the Q1 priorities and who owns them.",
    "Budget overrun on the data platform; staffing on SRE.",
    "A decision on the vendor consolidation.",
)


def answers_for(session: ChatSession) -> dict[str, str]:
    """An answer to each of the session's questions (a general meeting asks only two)."""
    return {str(n): text for n, text in enumerate(ANSWERS[: len(session.questions)], start=1)}


S = MeetingStatus
_FINISHED = ("SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED")

# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------

FIRST_NAMES = ("Priya", "Marcus", "Elena", "Dev", "Hannah", "Tomas", "Aisha", "Noah", "Mei", "Zoe")
LAST_NAMES = ("Raman", "Webb", "Park", "Kapoor", "Cho", "Alvarez", "Bello", "Fischer", "Lin")
TEAMS = ("Platform", "SRE", "Payments", "Data", "Identity", "Storage")
VENDORS = (("Acme Cloud", "acmecloud.example"), ("Globex Networks", "globex.example"))
GENERAL_TITLES = ("Architecture sync", "Roadmap planning", "Launch readiness", "Budget sync")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


EXECUTIVE = Person(EXECUTIVE_NAME, EXECUTIVE_EMAIL)


@dataclass(frozen=True)
class Planned:
    """One meeting as written to the calendar, with the type it should be classified as."""

    uid: str
    expected_type: str
    title: str
    start: datetime
    minutes: int
    attendees: tuple[Person, ...]  # the first one organizes


def _colleagues(rng: random.Random, count: int) -> list[Person]:
    people: dict[str, Person] = {}
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@{DOMAIN}".lower()
        people.setdefault(email, Person(f"{first} {last}", email))
    return list(people.values())


def _shape(rng: random.Random, kind: str) -> tuple[str, list[Person]]:
    """A title that the shipped rules classify as `kind`, and its attendees (2-8, the
    executive included)."""
    team = rng.choice(TEAMS)
    if kind == "one_on_one":  # the rule allows 2 people at most
        other = _colleagues(rng, 1)[0]
        return f"1:1 Jordan / {other.name.split()[0]}", [EXECUTIVE, other]
    if kind == "leadership_team":  # the rule needs 3 people at least
        title = rng.choice(("Leadership team", f"{team} leadership team", "SLT weekly"))
        return title, [EXECUTIVE, *_colleagues(rng, rng.randint(2, 7))]
    # Someone else organizes the QBRs, the reviews and the vendor meetings.
    if kind == "qbr":
        return f"Q4 QBR — {team}", [*_colleagues(rng, rng.randint(2, 7)), EXECUTIVE]
    if kind == "reliability_review":
        title = f"Post-incident review: INC-{rng.randint(1000, 9999)} {team.lower()} latency"
        return title, [*_colleagues(rng, rng.randint(1, 7)), EXECUTIVE]
    if kind == "vendor_meeting":  # the rule needs someone from outside bench.example
        vendor, domain = rng.choice(VENDORS)
        external = Person("Sam Reed", f"sam.reed@{domain}")
        return f"{vendor} renewal", [external, EXECUTIVE, *_colleagues(rng, rng.randint(0, 6))]
    title = rng.choice(GENERAL_TITLES)
    return title, [EXECUTIVE, *_colleagues(rng, rng.randint(1, 7))]


KINDS = ("leadership_team", "one_on_one", "qbr", "reliability_review", "vendor_meeting", "general")


def plan_meetings(count: int, now: datetime) -> list[Planned]:
    rng = random.Random(SEED)
    base = now.replace(microsecond=0)
    spread = (LAST_START - FIRST_START).total_seconds()
    planned = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        title, people = _shape(rng, kind)
        offset = FIRST_START + timedelta(seconds=int(spread * index / max(1, count - 1)))
        start = base + offset
        planned.append(
            Planned(
                f"bench-{index:04d}@{DOMAIN}",
                kind,
                title,
                start,
                rng.choice((30, 45, 60)),
                tuple(people),
            )
        )
    return planned


def _fold(line: str) -> str:
    """RFC 5545 folding at 75 characters (the lines are ASCII apart from an em dash)."""
    parts = [line[:75]] + [" " + line[i : i + 74] for i in range(75, len(line), 74)]
    return "\r\n".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _vevent(meeting: Planned, stamp: str) -> list[str]:
    organizer = meeting.attendees[0]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.uid}",
        f"DTSTAMP:{stamp}",
        f"SUMMARY:{meeting.title}",
        f"DTSTART:{_utc(meeting.start)}",
        f"DTEND:{_utc(meeting.start + timedelta(minutes=meeting.minutes))}",
        f"ORGANIZER;CN={organizer.name}:mailto:{organizer.email}",
    ]
    for person in meeting.attendees:
        role = "CHAIR" if person == organizer else "REQ-PARTICIPANT"
        lines.append(
            f"ATTENDEE;ROLE={role};PARTSTAT=ACCEPTED;CN={person.name}:mailto:{person.email}"
        )
    return [*lines, "STATUS:CONFIRMED", "END:VEVENT"]


def write_calendar(path: Path, planned: Sequence[Planned], now: datetime) -> None:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bench//exec-assistant workflow benchmark//EN",
        "X-WR-CALNAME:Jordan Lee (workflow benchmark)",
    ]
    for meeting in planned:
        lines += _vevent(meeting, _utc(now))
    lines.append("END:VCALENDAR")
    path.write_bytes(("\r\n".join(_fold(line) for line in lines) + "\r\n").encode())


# --------------------------------------------------------------------------------------------
# One run: a fresh data folder, synced, with the engine launched
# --------------------------------------------------------------------------------------------


class AnsweringOutbox(OutboxChannel):
    """The outbox, with the answers at hand as it asks: no prep waits."""

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        super().ask(meeting, session, key)
        return answers_for(session)


@dataclass
class Setup:
    local: LocalApp
    engine: DbosPrepEngine
    meetings: list[Meeting]  # the preps due now, as `serve` would start them
    outbox: Path
    sync_s: float
    launch_s: float
    types: Counter[str]
    misclassified: int
    with_reminder: int


def open_and_sync(home: Path, ics: Path) -> tuple[LocalApp, float]:
    settings, _ = load_settings(
        {
            "home": str(home),
            "config_dir": str(home / "config"),  # not the user's own settings.yaml
            "user_email": EXECUTIVE_EMAIL,
            "timezone": "UTC",
            "context_dir": str(CONTEXT_DIR),
            "calendars": [str(ics)],
        }
    )
    local = build_local(settings, command="bench", exclusive=True)
    started = time.perf_counter()
    report = sync_calendars(
        local.calendar_sources(),
        local.meetings,
        local.overrides,
        local.config.catalog,
        local.config.rules,
        local.executive,
        SystemClock().now(),
        local.settings.lookahead_days,
    )
    seconds = time.perf_counter() - started
    if report.failed:
        local.close()
        raise SystemExit(f"sync failed: {report.failed[0].error}")
    return local, seconds


def prepare(home: Path, ics: Path, planned: Sequence[Planned], answered_at_once: bool) -> Setup:
    local, sync_s = open_and_sync(home, ics)
    clock: Clock = SystemClock()
    outbox = home / "outbox.jsonl"
    started = time.perf_counter()
    channel = (AnsweringOutbox if answered_at_once else OutboxChannel)(outbox, clock)
    engine = build_runtime(local, channel, clock).engine
    try:
        engine.launch()
    except BaseException:
        local.close()  # release the data folder's lock
        raise
    launch_s = time.perf_counter() - started
    now = clock.now()
    due = [
        m
        for m in local.meetings.list_by_status(S.SCHEDULED)
        if m.prep_at is not None and m.prep_at <= now and m.end > now
    ]
    calendar_id = local.calendar_sources()[0].calendar_id
    expected = {meeting_id_for(calendar_id, p.uid, None): p.expected_type for p in planned}
    return Setup(
        local,
        engine,
        due,
        outbox,
        sync_s,
        launch_s,
        Counter(m.meeting_type or "?" for m in due),
        sum(1 for m in due if expected.get(m.meeting_id) != m.meeting_type),
        sum(1 for m in due if m.reminder_at is not None),
    )


# --------------------------------------------------------------------------------------------
# Driving the preps
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    total_s: float = 0.0
    starting_s: float = 0.0  # the loop of engine.start calls (and early answers)
    started_at: dict[str, float] = field(default_factory=dict)  # meeting id -> perf_counter
    asked_s: list[float] = field(default_factory=list)  # start -> seen notified
    latencies_s: list[float] = field(default_factory=list)  # start -> seen finished
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)  # meeting ids
    steps: dict[str, list[float]] = field(default_factory=dict)  # step name -> seconds each


def start(setup: Setup, meeting: Meeting, run: Run) -> str:
    run.started_at[meeting.meeting_id] = time.perf_counter()
    return start_prep(setup.local.meetings, setup.engine, meeting).workflow_id


def deliver_to_asked(setup: Setup, waiting: dict[str, str], run: Run) -> None:
    """Answer each prep whose meeting is `notified`, as a person would; drop it from
    `waiting` (meeting id -> workflow id)."""
    # One query a sweep: a query per meeting would compete with the preps for the connection.
    for meeting_id, meeting in setup.local.meetings.get_many(list(waiting)).items():
        if meeting.status == S.SCHEDULED:
            continue
        if meeting.status == S.NOTIFIED:
            local = setup.local
            session = session_of(local.chat_sessions, meeting)
            assert session is not None
            answers = answers_for(session)
            submit_answers(
                local.meetings, local.chat_sessions, setup.engine, meeting_id, answers, "bench"
            )
            run.asked_s.append(time.perf_counter() - run.started_at[meeting_id])
        del waiting[meeting_id]  # any other status is past asking: the checks tell


def note_finished(running: dict[str, str], run: Run) -> None:
    """Drop the finished preps from `running` (workflow id -> meeting id), with their
    latency. engine.result polls once a second per workflow, too coarse to time them."""
    finished = DBOS.list_workflows(
        workflow_ids=list(running),
        status=list(_FINISHED),
        load_input=False,
        load_output=False,
    )
    now = time.perf_counter()
    for status in finished:
        meeting_id = running.pop(status.workflow_id)
        run.latencies_s.append(now - run.started_at[meeting_id])


def watch(setup: Setup, workflow_ids: Sequence[str], run: Run, answer_on_ask: bool) -> None:
    """Until every prep finished: answer the ones that ask (when told to), note the ones
    that finished."""
    meeting_ids = [m.meeting_id for m in setup.meetings]
    waiting = dict(zip(meeting_ids, workflow_ids, strict=True)) if answer_on_ask else {}
    running = dict(zip(workflow_ids, meeting_ids, strict=True))
    deadline = time.monotonic() + GIVE_UP_S
    while running and time.monotonic() < deadline:
        if waiting:
            deliver_to_asked(setup, waiting, run)
        note_finished(running, run)
        if running:
            time.sleep(POLL_S)
    run.stuck = list(running.values())


def collect(setup: Setup, workflow_ids: Sequence[str], run: Run) -> None:
    for meeting, workflow_id in zip(setup.meetings, workflow_ids, strict=True):
        if meeting.meeting_id in run.stuck:
            continue  # waiting for a stuck one would hang
        try:
            run.outcomes[meeting.meeting_id] = setup.engine.result(workflow_id).model_dump()
        except Exception as exc:  # a failed prep is a failed check, not a crashed benchmark
            run.outcomes[meeting.meeting_id] = {"outcome": "error", "error": repr(exc)}


def drive(setup: Setup, answered_at_once: bool) -> Run:
    """Start every prep and answer it; the time from the first start to the last result."""
    run = Run()
    started = time.perf_counter()
    workflow_ids = [start(setup, meeting, run) for meeting in setup.meetings]
    run.starting_s = time.perf_counter() - started
    watch(setup, workflow_ids, run, answer_on_ask=not answered_at_once)
    collect(setup, workflow_ids, run)
    run.total_s = time.perf_counter() - started
    run.steps = step_times(workflow_ids)
    return run


def step_times(workflow_ids: Sequence[str]) -> dict[str, list[float]]:
    """Seconds each step took, by step name, from DBOS's record of every prep; "(between
    steps)" is the rest of each prep's run: the engine's own bookkeeping and waiting for a
    thread."""
    steps: dict[str, list[float]] = {}
    for workflow_id in workflow_ids:
        spans = [
            (s["function_name"], s["started_at_epoch_ms"], s["completed_at_epoch_ms"])
            for s in DBOS.list_workflow_steps(workflow_id, load_output=False)
        ]
        timed = [(name, a, b) for name, a, b in spans if a is not None and b is not None]
        if not timed:
            continue
        for name, a, b in timed:
            steps.setdefault(name, []).append((b - a) / 1000)
        whole = max(b for _, _, b in timed) - min(a for _, a, _ in timed)
        busy = _covered([(a, b) for _, a, b in timed])
        steps.setdefault("(between steps)", []).append((whole - busy) / 1000)
    return steps


def _covered(spans: Sequence[tuple[int, int]]) -> int:
    """Milliseconds inside at least one span: DBOS records the sleep of a recv with a
    timeout as a step of its own, inside the recv."""
    covered, reach = 0, -1
    for a, b in sorted(spans):
        if b > reach:
            covered += b - max(a, reach)
            reach = b
    return covered


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _outbox(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verify(setup: Setup, run: Run, count: int) -> list[Check]:
    ids = [m.meeting_id for m in setup.meetings]
    statuses = Counter(m.status.value for m in setup.local.meetings.get_many(ids).values())
    done = sum(1 for o in run.outcomes.values() if o.get("outcome") == "done" and o["answered"])
    errors = [o["error"] for o in run.outcomes.values() if o.get("outcome") == "error"]
    agendas = sum(1 for i in ids if setup.local.documents.exists(meeting_document(i, AGENDA_JSON)))
    lines = _outbox(setup.outbox)
    packs = Counter(e["meeting_id"] for e in lines if e["kind"] == "pack")
    with_answers = sum(1 for e in lines if e["kind"] == "pack" and e["answers_received"])
    asked = Counter(e["meeting_id"] for e in lines if e["kind"] == "questions")
    duplicates = sum(c - 1 for c in asked.values())
    others = Counter(e["kind"] for e in lines if e["kind"] not in ("pack", "questions"))
    n = len(ids)
    return [
        Check("preps due now", n == count, f"{n} of {count}"),
        Check("materials_ready", statuses == Counter({S.MATERIALS_READY.value: n}), _kv(statuses)),
        Check(
            "workflows done, answered",
            done == n,
            f"{done} of {n}" + (f"; first error: {errors[0]}" if errors else ""),
        ),
        Check("agenda.json written", agendas == n, f"{agendas} of {n}"),
        Check(
            "outbox pack lines",
            sum(packs.values()) == n and len(packs) == n,
            f"{sum(packs.values())} lines, {len(packs)} meetings",
        ),
        Check("packs with answers", with_answers == n, f"{with_answers} of {n}"),
        Check("questions asked once", len(asked) == n, f"{len(asked)} of {n} meetings"),
        Check("duplicate questions", duplicates == 0, str(duplicates)),
        Check("other outbox lines", not others, _kv(others) or "none"),
    ]


def _kv(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.most_common())


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _spread(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {statistics.median(values):.2f} s  p90 {_pct(values, 0.9):.2f} s  "
        f"max {max(values):.2f} s"
    )


def print_setup(setup: Setup) -> None:
    print(
        f"  setup         sync {setup.sync_s:.2f} s, engine launch {setup.launch_s:.2f} s; "
        f"{len(setup.meetings)} preps due now, {setup.with_reminder} with a final reminder"
    )
    print(f"  types         {_kv(setup.types)} ({setup.misclassified} not the type planned)")


def print_run(run: Run, count: int) -> None:
    print(
        f"  total         {run.total_s:.2f} s (first start -> last result); "
        f"the {count} starts took {run.starting_s:.2f} s"
    )
    print(
        f"  throughput    {count / run.total_s:.1f} preps/s; "
        f"per-prep overhead {run.total_s / count * 1000:.0f} ms (total / N)"
    )
    print(f"  latency       {_spread(run.latencies_s)}  (start -> seen finished)")
    if run.asked_s:
        print(f"  asked after   {_spread(run.asked_s)}  (start -> seen notified, answered)")


def print_steps(run: Run) -> None:
    """Per step, over every prep: where a prep's time goes."""
    print(f"  {'step (per prep, DBOS record)':30}{'p50 ms':>8}{'max ms':>8}{'sum s':>8}")
    order = sorted(run.steps.items(), key=lambda item: -sum(item[1]))
    for name, seconds in order:
        print(
            f"  {name:30}{statistics.median(seconds) * 1000:>8.0f}"
            f"{max(seconds) * 1000:>8.0f}{sum(seconds):>8.2f}"
        )


def print_checks(checks: Sequence[Check]) -> None:
    for check in checks:
        print(f"  check  {'ok  ' if check.ok else 'FAIL'}  {check.name:27} {check.detail}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    label: str
    folder: str
    answered_at_once: bool


MAIN = Mode("answers delivered as soon as each asks", "asks-first", answered_at_once=False)
SECOND = Mode("answered at once, as it asks (no wait)", "at-once", answered_at_once=True)


def run_mode(root: Path, ics: Path, planned: Sequence[Planned], mode: Mode) -> tuple[Run, bool]:
    """One mode on a data folder of its own; prints its figures. Its run, and whether its
    checks passed."""
    setup = prepare(root / mode.folder, ics, planned, mode.answered_at_once)
    try:
        _progress(f"  {mode.label}: {len(setup.meetings)} preps ...")
        run = drive(setup, mode.answered_at_once)
        checks = verify(setup, run, len(planned))
    finally:
        setup.engine.shutdown()
        setup.local.close()
    print(f"\n{mode.label} [{mode.folder}]")
    print_setup(setup)
    print_run(run, len(planned))
    print_steps(run)
    print_checks(checks)
    return run, all(c.ok for c in checks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--meetings", type=int, default=100, help="preps to run at once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.meetings < 1:
        parser.error("--meetings must be at least 1")

    root = Path(tempfile.mkdtemp(prefix="exec-assistant-bench-workflow-"))
    try:
        now = datetime.now(UTC)
        planned = plan_meetings(args.meetings, now)
        ics = root / "calendar.ics"
        write_calendar(ics, planned, now)
        print(
            f"exec-assistant workflow benchmark: {args.meetings} preps at once, local engine "
            "(DBOS on SQLite), offline packs, outbox channel"
        )
        print(
            f"  meetings      start {planned[0].start:%H:%M:%S}-{planned[-1].start:%H:%M:%S} "
            f"UTC (now {now:%H:%M:%S}); calendar {ics.stat().st_size:,} bytes"
        )
        main_run, main_ok = run_mode(root, ics, planned, MAIN)
        _second, second_ok = run_mode(root, ics, planned, SECOND)
    finally:
        if args.keep:
            print(f"\nkept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    met = main_run.total_s < TARGET_S
    print(
        f"\ntarget: all {args.meetings} done in under {TARGET_S:g} s, {MAIN.label}: "
        f"{main_run.total_s:.2f} s  {'PASS' if met else 'MISS'}"
    )
    if not (main_ok and second_ok):
        print("CHECK FAILED")
        return 2
    if not met:
        print("TARGET MISSED")
        return 1
    print("ALL TARGETS MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
