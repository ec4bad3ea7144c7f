"""Benchmark: server-side render time of every page of the web app on a full data folder.

What it measures
----------------
It fills a fresh data folder (the real local stores: `build_local` on a temporary folder,
SQLite) with an executive's four months: 1,000 meetings (about 110 days back and the two
weeks ahead, 40 recurring series and one-offs, every meeting type, private ones included,
2 to 12 attendees each, model calls on a third of the past ones), 5,000 action items (owners
among the attendees, some not resolved, some with a tracker issue; two in five done) and
1,000 decisions (pending, decided, superseded). The last leadership meeting gets its notes
through `process_notes` (notes.md, its items and decisions, counted in the totals) and the
next one an offline pack (`write_pack`), so the meeting and notes pages have something real
to show.

It then builds the web app exactly as `serve --http-port` does (`composition.web_site`,
`build_web_app`), signs in with a one-time link, and requests every page of PAGES in-process
(httpx's ASGITransport) --repeat times each after two warm-up requests. The time of a request
is taken inside the ASGI app, from the call to the last byte of the body: what the server
spends, not the client. A page this branch does not serve yet (404) is listed and skipped;
adding a page is one line in PAGES.

Target: p95 < 100 ms per page. Exit status: 0 when every page served meets it, 1 when one
misses it, 2 when a page answers anything but 200 (or 404 for one not built).

Run:  .venv/bin/python bench/web.py [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exec_assistant import composition
from exec_assistant.adapters.memory import InMemorySignInLinkRepository
from exec_assistant.bootstrap import LocalApp, build_local
from exec_assistant.cli.demo_command import shipped_examples
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.models import (
    ActionItem,
    Attendee,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
    MeetingStatus,
    ModelCall,
    ResponseStatus,
)
from exec_assistant.domain.prep_pack import PackInputs, build_offline_pack, render_markdown
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepRequest
from exec_assistant.ports import PrepRun
from exec_assistant.services.notes import process_notes
from exec_assistant.services.pack_documents import write_pack
from exec_assistant.services.sign_in_links import SignInLinks
from exec_assistant.settings import load_settings
from exec_assistant.web.app import WebServing, build_web_app, freeze_startup_objects
from exec_assistant.web.cookies import SessionCookies
from exec_assistant.web.sign_in import LinkSignIn

MEETINGS = 1_000
ACTION_ITEMS = 5_000
DECISIONS = 1_000
TARGET_MS = 100.0
TIMEZONE = "America/New_York"
NOW = datetime.fromisoformat("2026-12-02T12:00:00-05:00")
DAYS_BACK = 110
DAYS_AHEAD = 14
EXECUTIVE = Attendee(
    email="jordan.lee@northwind.example", name="Jordan Lee", response=ResponseStatus.ACCEPTED
)
SEED = 20261202


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    """With {meeting} (the next leadership meeting, its pack written), {notes_meeting} (the
    last one, its notes given), {person} (the busiest owner) and {query} (a word of the
    decisions) filled in."""


PAGES = (
    Page("fortnight", "/"),
    Page("meeting", "/meetings/{meeting}"),
    Page("notes", "/meetings/{notes_meeting}/notes"),
    Page("commitments", "/commitments"),
    Page("commitments, one person", "/commitments?person={person}"),
    Page("person (1:1 view)", "/people/{person}"),
    Page("decisions", "/decisions"),
    Page("decisions, searched", "/decisions?q={query}"),
    Page("usage, month to date", "/usage"),
    Page("usage, 30 days", "/usage?days=30"),
)

# --------------------------------------------------------------------------------------------
# The data folder
# --------------------------------------------------------------------------------------------

FIRST = [
    "Priya",
    "Marcus",
    "Elena",
    "Dev",
    "Hannah",
    "Tomás",
    "Aisha",
    "Noah",
    "Mei",
    "Lars",
    "Zoë",
    "Rafael",
    "Ingrid",
    "Kwame",
    "Sofia",
    "Yusuf",
    "Chloé",
    "Mateo",
    "Anika",
    "Jonas",
    "Fatima",
    "Oliver",
    "Keiko",
    "Samuel",
    "Leila",
    "Björn",
    "Grace",
    "Arjun",
    "Nadia",
]
LAST = [
    "Raman",
    "Webb",
    "Park",
    "Kapoor",
    "Cho",
    "Álvarez",
    "Bello",
    "Fischer",
    "Lin",
    "Nilsson",
    "Müller",
    "Costa",
    "Berg",
    "Mensah",
    "Rossi",
    "Demir",
    "Laurent",
    "Silva",
    "Sharma",
    "Weber",
    "Haddad",
    "Brooks",
    "Tanaka",
    "Okafor",
    "Nasser",
    "Kim",
    "Iyer",
]
SERIES_KINDS = (
    ("one_on_one", "Jordan / {first} 1:1", 2),
    ("leadership_team", "Infrastructure Leadership Team", 9),
    ("executive_staff", "Exec staff", 8),
    ("reliability_review", "Weekly reliability review", 10),
    ("vendor_meeting", "Vendor sync: Acme Cloud", 4),
    ("qbr", "QBR prep: {team}", 6),
    ("general", "{team} roadmap review", 7),
)
ONE_OFF_TYPES = ("interview_debrief", "general", "vendor_meeting", "qbr", "one_on_one")
TEAMS = ("Platform", "SRE", "Payments", "Data", "Identity", "Networking", "Storage", "Mobile")
VERBS = ("Send", "Draft", "Review", "Confirm", "Book", "Circulate", "Follow up on", "Price")
THINGS = (
    "the on-call rota for the holidays",
    "the compute overrun breakdown by cluster",
    "the Datadog renewal options",
    "the failover game day plan",
    "the café vendor's SOC 2 report",
    "the headcount plan for 2027",
    "the postmortem for INC-{n}",
    "the São Paulo latency numbers",
    "the storage tiering cutover checklist",
)
DECIDED = (
    "The {team} team owns the {thing} from now on",
    "Freeze changes to {team} from 18 December to 4 January",
    "Renew the Acme Cloud contract for 12 months at most",
    "Zoë's team leads the {thing}",
    "Whether to move {team} onto the shared platform before the QBR",
)


def _people(rng: random.Random) -> list[Attendee]:
    names = {f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(80)}
    people = []
    for name in sorted(names)[:40]:
        local = name.lower().replace(" ", ".")
        people.append(Attendee(email=f"{local}@northwind.example", name=name))
    return people


def _call(at: datetime, purpose: str, rng: random.Random) -> ModelCall:
    tokens_in, tokens_out = rng.randint(3_000, 20_000), rng.randint(500, 4_000)
    return ModelCall(
        purpose=purpose,
        provider="anthropic",
        model_id="claude-sonnet-4-6",
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cache_read_tokens=rng.choice((0, 0, 2_000)),
        cost_usd=round(tokens_in * 3e-6 + tokens_out * 15e-6, 6),
        seconds=rng.uniform(2, 12),
        at=at,
    )


def _meetings(rng: random.Random, people: list[Attendee]) -> list[Meeting]:
    series = []
    for n in range(40):
        kind, title, size = SERIES_KINDS[n % len(SERIES_KINDS)]
        members = rng.sample(people, size - 1)
        series.append(
            (
                f"ser_bench{n:03d}",
                kind,
                title.format(first=members[0].display_name.split()[0], team=TEAMS[n % len(TEAMS)]),
                members,
            )
        )
    now = NOW.astimezone(UTC)
    span = timedelta(days=DAYS_BACK + DAYS_AHEAD)
    first = now - timedelta(days=DAYS_BACK)
    found = []
    for n in range(MEETINGS):
        start = first + span * n / MEETINGS
        start = start.replace(minute=0 if start.minute < 30 else 30, second=0, microsecond=0)
        if rng.random() < 0.7:
            series_id, kind, title, members = series[n % len(series)]
        else:
            kind = rng.choice(ONE_OFF_TYPES)
            members = rng.sample(people, rng.randint(1, 11))
            series_id, title = f"ser_once{n:04d}", f"{kind.replace('_', ' ').title()} #{n}"
        past = start + timedelta(hours=1) < now
        calls: tuple[ModelCall, ...] = ()
        if past and rng.random() < 0.33:
            calls = (
                _call(start - timedelta(days=1), "pack", rng),
                _call(start + timedelta(hours=2), "notes", rng),
            )
        found.append(
            Meeting(
                meeting_id=f"mtg_{n:016x}",
                calendar_id="ics_bench",
                series_id=series_id,
                source_uid=f"bench-{n}@northwind.example",
                title=title,
                start=start,
                end=start + timedelta(minutes=rng.choice((30, 45, 60))),
                timezone=TIMEZONE,
                organizer=EXECUTIVE,
                attendees=(EXECUTIVE, *members),
                meeting_type=kind,
                classification_reason=f"title matches '{kind.replace('_', ' ')}'",
                status=MeetingStatus.COMPLETED
                if past
                else rng.choice((MeetingStatus.SCHEDULED, MeetingStatus.MATERIALS_READY)),
                prep_at=start - timedelta(days=1),
                reminder_at=start - timedelta(hours=2),
                model_calls=calls,
                generated_by="anthropic:claude-sonnet-4-6" if calls else None,
                discovered_at=start - timedelta(days=14),
                updated_at=start - timedelta(days=1),
            )
        )
    return found


def _items(rng: random.Random, past: Sequence[Meeting], count: int) -> list[ActionItem]:
    today = NOW.date()
    found = []
    for n in range(count):
        meeting = past[n % len(past)]
        others = [a for a in meeting.attendees if a.email != EXECUTIVE.email] or [EXECUTIVE]
        roll = rng.random()
        if roll < 0.2:
            owner, resolved = EXECUTIVE.email, True
        elif roll < 0.85:
            owner, resolved = rng.choice(others).email, True
        elif roll < 0.95:
            owner, resolved = rng.choice(FIRST), False
        else:
            owner, resolved = None, False
        due = meeting.start.date() + timedelta(days=rng.randint(1, 30))
        done = rng.random() < (0.7 if due < today - timedelta(days=7) else 0.15)
        tracked = rng.random() < 0.3
        thing = rng.choice(THINGS).format(n=2000 + n % 400)
        found.append(
            ActionItem(
                item_id=f"act_{n:016x}",
                meeting_id=meeting.meeting_id,
                series_id=meeting.series_id,
                text=f"{rng.choice(VERBS)} {thing}",
                owner=owner,
                owner_resolved=resolved,
                due=due if rng.random() < 0.9 else None,
                status=ItemStatus.DONE if done else ItemStatus.OPEN,
                source_line=rng.randint(3, 80),
                created_at=meeting.end,
                tracker_key=f"OPS-{1000 + n}" if tracked else None,
                tracker_url=f"https://northwind.atlassian.net/browse/OPS-{1000 + n}"
                if tracked
                else None,
            )
        )
    return found


def _decisions(rng: random.Random, past: Sequence[Meeting], count: int) -> list[Decision]:
    found = []
    for n in range(count):
        meeting = past[(n * 7) % len(past)]
        roll = rng.random()
        status = (
            DecisionStatus.DECIDED
            if roll < 0.7
            else DecisionStatus.PENDING
            if roll < 0.9
            else DecisionStatus.SUPERSEDED
        )
        text = rng.choice(DECIDED).format(
            team=rng.choice(TEAMS), thing=rng.choice(THINGS).format(n=2000 + n % 400)
        )
        found.append(
            Decision(
                decision_id=f"dec_{n:016x}",
                meeting_id=meeting.meeting_id,
                series_id=meeting.series_id,
                text=text,
                status=status,
                source_line=rng.randint(3, 80),
                created_at=meeting.end,
            )
        )
    return found


@dataclass(frozen=True)
class Filled:
    meeting: str
    notes_meeting: str
    person: str
    query: str
    items: int
    decisions: int
    open_items: int


def fill(local: LocalApp) -> Filled:
    rng = random.Random(SEED)
    people = _people(rng)
    meetings = _meetings(rng, people)
    local.meetings.put_many(meetings)
    now = NOW.astimezone(UTC)
    past = [m for m in meetings if m.end < now]
    leadership = [m for m in meetings if m.meeting_type == "leadership_team"]
    last = max((m for m in leadership if m.end < now), key=lambda m: m.start)
    upcoming = min((m for m in leadership if m.start > now), key=lambda m: m.start)

    notes = (shipped_examples() / "notes" / "leadership-team-2026-11-30.md").read_text()
    result = process_notes(
        last.meeting_id,
        notes,
        meetings=local.meetings,
        action_items=local.action_items,
        decisions=local.decisions,
        documents=local.documents,
        meeting_date=last.start.astimezone(local.settings.zone).date(),
        now=now,
    )
    others = [m for m in past if m.meeting_id != last.meeting_id]
    items = _items(rng, others, ACTION_ITEMS - len(result.action_items))
    local.action_items.put_many(items)
    local.decisions.put_many(_decisions(rng, others, DECISIONS - len(result.decisions)))

    _write_pack(local, upcoming)
    owners: dict[str, int] = {}
    for item in items:
        if item.owner and item.owner_resolved and item.owner != EXECUTIVE.email:
            owners[item.owner] = owners.get(item.owner, 0) + 1
    stored_items = local.action_items.list()
    return Filled(
        meeting=upcoming.meeting_id,
        notes_meeting=last.meeting_id,
        person=max(owners, key=lambda o: owners[o]),
        query="cafe",
        items=len(stored_items),
        decisions=len(local.decisions.list()),
        open_items=sum(1 for i in stored_items if i.status == ItemStatus.OPEN),
    )


def _write_pack(local: LocalApp, meeting: Meeting) -> None:
    assert meeting.meeting_type is not None
    meeting_type = local.config.catalog.get(meeting.meeting_type)
    inputs = PackInputs(
        meeting=meeting,
        meeting_type=meeting_type,
        answers={"1": "The QBR dry run and the Datadog renewal"},
        answers_received=True,
        context=[],
        open_items=local.action_items.list(open_only=True, series_id=meeting.series_id),
        pending_decisions=local.decisions.list(open_only=True, series_id=meeting.series_id),
        now=NOW.astimezone(UTC) - timedelta(days=1),
        zone=local.settings.zone,
        executive_email=EXECUTIVE.email,
    )
    pack = build_offline_pack(inputs)
    location = write_pack(local.documents, pack, [], render_markdown(pack, meeting_type.name))
    local.meetings.update(
        meeting.meeting_id,
        lambda m: m.model_copy(
            update={
                "pack_location": location,
                "generated_by": pack.generated_by,
                "status": MeetingStatus.MATERIALS_READY,
            }
        ),
    )


# --------------------------------------------------------------------------------------------
# The app, timed from inside
# --------------------------------------------------------------------------------------------


class IdleEngine:
    """The benchmark only reads pages: no prep is started, resumed or stopped."""

    def start(self, request: PrepRequest) -> None:
        raise RuntimeError("a page read started a prep")

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        raise RuntimeError("a page read delivered answers")

    def cancel(self, workflow_id: str) -> None:
        raise RuntimeError("a page read cancelled a prep")

    def status(self, workflow_id: str) -> PrepRun | None:
        return None

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        raise RuntimeError("a page read retried a prep")


class ServerTimer:
    """ASGI wrapper: the time from the call to the last byte of the response body."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self.last_ms = 0.0
        self.last_cpu_ms = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, cpu = time.perf_counter(), time.process_time()

        async def timed(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ms = (time.perf_counter() - started) * 1000
                self.last_cpu_ms = (time.process_time() - cpu) * 1000

        await self._app(scope, receive, timed)


@dataclass(frozen=True)
class Figures:
    name: str
    path: str
    status: int
    samples: list[float]
    """Wall-clock milliseconds, server side."""
    cpu: list[float]
    """CPU milliseconds of the process for the same requests: what other work on a shared
    machine does not inflate."""
    size: int


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(local: LocalApp, filled: Filled, repeat: int) -> list[Figures]:
    links = SignInLinks(InMemorySignInLinkRepository(), FixedClock(NOW))
    site = composition.web_site(
        local,
        IdleEngine(),
        FixedClock(NOW),
        calendars_configured=True,
        notes_reader=lambda: None,
    )
    timer = ServerTimer(
        build_web_app(site, LinkSignIn(links), SessionCookies(b"b" * 32), WebServing())
    )
    freeze_startup_objects()  # as `serve` does once its app is built
    values: dict[str, Any] = {
        "meeting": filled.meeting,
        "notes_meeting": filled.notes_meeting,
        "person": quote(filled.person, safe="@"),
        "query": filled.query,
    }
    figures = []
    transport = httpx.ASGITransport(app=timer)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        token = links.issue(timedelta(minutes=5)).token
        signed = await client.get(f"/sign-in?token={token}")
        assert signed.status_code == 303, signed.text
        for page in PAGES:
            path = page.path.format(**values)
            samples: list[float] = []
            cpu: list[float] = []
            for n in range(repeat + 2):
                answer = await client.get(path)
                if answer.status_code != 200:
                    break
                if n >= 2:  # two warm-up requests
                    samples.append(timer.last_ms)
                    cpu.append(timer.last_cpu_ms)
            figures.append(
                Figures(page.name, path, answer.status_code, samples, cpu, len(answer.text))
            )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings, _ = load_settings(
            {"home": Path(tmp) / "data", "timezone": TIMEZONE, "user_email": EXECUTIVE.email}
        )
        local = build_local(settings, command="bench", exclusive=True)
        try:
            started = time.perf_counter()
            filled = fill(local)
            print(
                f"Data folder: {MEETINGS:,} meetings, {filled.items:,} action items "
                f"({filled.open_items:,} open), {filled.decisions:,} decisions; "
                f"filled in {time.perf_counter() - started:.1f} s (SQLite)."
            )
            figures = asyncio.run(measure(local, filled, args.repeat))
        finally:
            local.close()

    print(
        f"\n{args.repeat} requests a page after 2 warm-ups; server-side milliseconds "
        f"(wall clock, and CPU of the process); target p95 < {TARGET_MS:.0f} ms\n"
    )
    print(
        f"{'page':26} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>8} {'cpu p95':>8}"
        f" {'p95/target':>10} {'KB':>5}"
    )
    status = 0
    for f in figures:
        if f.status == 404:
            print(f"{f.name:26} not served on this branch (404): {f.path}")
            continue
        if f.status != 200 or not f.samples:
            print(f"{f.name:26} FAILED: {f.status} for {f.path}")
            status = 2
            continue
        p95 = _percentile(f.samples, 0.95)
        missed = "  SLOW" if p95 >= TARGET_MS else ""
        if missed and status == 0:
            status = 1
        print(
            f"{f.name:26} {statistics.median(f.samples):7.1f} {p95:7.1f} {max(f.samples):7.1f}"
            f" {statistics.median(f.cpu):8.1f} {_percentile(f.cpu, 0.95):8.1f}"
            f" {p95 / TARGET_MS:10.2f} {f.size / 1024:5.0f}{missed}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
