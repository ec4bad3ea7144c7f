"""Benchmark: `exec-assistant sync` of a calendar with 10,000 event instances in the window.

What it measures
----------------
It writes, into a temporary folder, a realistic iCalendar file whose sync window (14 days
from a fixed `now`) holds N event instances (default 10,000): daily and weekly series with
EXDATEs and RECURRENCE-ID overrides (moved, cancelled, declined, retitled instances), one-off
events, a few all-day events, titles that hit every meeting type, ORGANIZER/ATTENDEE lines
with CN and PARTSTAT, and events in America/New_York, Europe/London and UTC. The instance
count is checked with `recurring_ical_events` (the expander the product uses) and the
generation corrected until it is N ± 1%.

It then runs the real local code path, as `exec-assistant sync --calendar FILE` does:
settings from `load_settings`, `build_local` on a fresh data folder (SQLite), and
`sync_calendars`. It times (time.perf_counter, median of --repeat runs):

- the first sync, each run on a fresh data folder;
- an unchanged re-sync (same file, same `now`), reopening the folder as a new command would;
  it must change 0 meetings;
- for one more run of each, a breakdown: `source.fetch` (read + parse + expand + convert the
  ICS) against the rest: storage reads (`fingerprints`, and `statuses_between` for vanished
  meetings), the one transaction that reads, judges (classifies, compares) and writes the
  events that changed (`update_many`), and the rest. The parse and expansion times
  of the libraries alone come from the instance check.

Then the same against a Google calendar read through its API (bench/google_sync_run.py): N
instances on the fake Google Calendar API on 127.0.0.1, a full first sync, unchanged
incremental re-syncs (counting the requests the server receives), and one with a change.

Targets: first sync < 5 s, unchanged re-sync < 2 s; the Google unchanged re-sync < 1 s with
one request per calendar. Exit status: 0 when every target is met,
1 when a target is missed, 2 when a check fails (instance count off, re-sync changed meetings,
a calendar failed).

Run:  .venv/bin/python bench/sync.py [--events N] [--repeat K]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from exec_assistant.bootstrap import LocalApp, build_local

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.ports import CalendarFetch, CalendarSource, MeetingRepository
from exec_assistant.services.sync_calendars import SyncReport, sync_calendars
from exec_assistant.settings import load_settings
from google_sync_run import print_google, run_google

NOW = datetime.fromisoformat("2026-11-30T07:00:00-05:00")
LOOKAHEAD_DAYS = 14
EXECUTIVE_EMAIL = "exec@bench.example"
TIMEZONE = "America/New_York"
FIRST_SYNC_TARGET_S = 5.0
RESYNC_TARGET_S = 2.0
COUNT_TOLERANCE = 0.01
SEED = 20261130

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WINDOW_START = NOW
WINDOW_END = NOW + timedelta(days=LOOKAHEAD_DAYS)
DTSTAMP = "20261129T221500Z"
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAYS = DAY_CODES[:5]

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# People and meeting templates
# --------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Priya Marcus Elena Dev Hannah Tomás Aisha Noah Mei Lars Zoë Rafael Ingrid Kwame "
    "Sofia Yusuf Chloé Mateo Anika Jonas Fatima Oliver Keiko Samuel Leila Björn Grace "
    "Arjun Nadia Ethan Lucía Omar Freya Daniel Amara Viktor Ruth Hiro Camille Tariq"
)
LAST_NAMES = _words(
    "Raman Webb Park Kapoor Cho Álvarez Bello Fischer Lin Nilsson Müller Costa Berg "
    "Mensah Rossi Demir Laurent Silva Sharma Weber Haddad Brooks Tanaka Okafor Nasser "
    "Lindqvist Kim Iyer Petrova Cohen García Farouk Holm Levy Eze Novak Adler Sato "
    "Moreau Qureshi"
)
VENDORS = (
    ("Acme Cloud", "acmecloud.example"),
    ("Globex Networks", "globex.example"),
    ("Initech Security", "initech.example"),
    ("Umbrella Observability", "umbrella-obs.example"),
    ("Stark Hosting", "starkhosting.example"),
    ("Hooli Data", "hooli.example"),
)
TEAMS = (
    "Platform",
    "SRE",
    "Payments",
    "Data",
    "Identity",
    "Networking",
    "Storage",
    "Mobile",
    "Developer Experience",
    "Security",
)
SERVICES = ("checkout", "login", "search", "ingest", "billing", "API gateway", "DNS", "queue")
ROOMS = (
    "NYC-12 Hudson (12)",
    "NYC-14 Battery (6)",
    "NYC-9 Liberty (4)",
    "LON-3 Thames (8)",
    "https://zoom.bench.example/j/841209377",
    "https://meet.bench.example/xyz-abcd-efg",
)


@dataclass(frozen=True)
class Person:
    name: str
    email: str


EXECUTIVE = Person("Jordan Lee", EXECUTIVE_EMAIL)


def _directory(rng: random.Random, size: int) -> list[Person]:
    people: dict[str, Person] = {}
    while len(people) < size:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
        local = ascii_name.decode().lower()
        people.setdefault(local, Person(f"{first} {last}", f"{local}@bench.example"))
    return list(people.values())


@dataclass
class Attending:
    person: Person
    partstat: str = "ACCEPTED"
    role: str = "REQ-PARTICIPANT"


@dataclass
class Template:
    """What a meeting looks like, apart from when it happens."""

    kind: str
    title: str
    organizer: Person
    attendees: list[Attending]
    minutes: int
    location: str = ""
    description: str = ""


def _pick(rng: random.Random, weights: dict[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _executive_partstat(rng: random.Random) -> str:
    return _pick(rng, {"ACCEPTED": 0.72, "TENTATIVE": 0.08, "NEEDS-ACTION": 0.12, "DECLINED": 0.08})


def _crowd(
    rng: random.Random, people: Sequence[Person], size: int, organizer: Person
) -> list[Attending]:
    """Attendees: the organizer (as chair), the executive when invited, and colleagues."""
    crowd = [Attending(organizer, "ACCEPTED", "CHAIR")]
    if organizer != EXECUTIVE:
        crowd.append(Attending(EXECUTIVE, _executive_partstat(rng)))
    others = [p for p in rng.sample(list(people), size + 2) if p not in (organizer, EXECUTIVE)]
    for person in others[: max(0, size - len(crowd))]:
        partstat = _pick(
            rng, {"ACCEPTED": 0.7, "TENTATIVE": 0.1, "NEEDS-ACTION": 0.12, "DECLINED": 0.08}
        )
        role = "OPT-PARTICIPANT" if rng.random() < 0.1 else "REQ-PARTICIPANT"
        crowd.append(Attending(person, partstat, role))
    return crowd


def _template(rng: random.Random, kind: str, people: Sequence[Person]) -> Template:
    team = rng.choice(TEAMS)
    colleague = rng.choice(people)
    room = rng.choice(ROOMS)
    boss_or_other = EXECUTIVE if rng.random() < 0.6 else colleague
    if kind == "one_on_one":
        title = rng.choice(
            (
                f"1:1 Jordan / {colleague.name.split()[0]}",
                f"{colleague.name.split()[0]} <> Jordan 1:1",
                f"1-1 {colleague.name}",
            )
        )
        organizer = boss_or_other
        other = colleague if organizer == EXECUTIVE else EXECUTIVE
        attendees = [
            Attending(organizer, "ACCEPTED", "CHAIR"),
            Attending(other, "ACCEPTED" if rng.random() < 0.9 else "DECLINED"),
        ]
        return Template(kind, title, organizer, attendees, rng.choice((25, 30, 45)), room)
    if kind == "leadership":
        title = rng.choice(("Leadership team", f"{team} leadership team", "SLT weekly"))
        organizer = boss_or_other
        return Template(
            kind,
            title,
            organizer,
            _crowd(rng, people, rng.randint(5, 9), organizer),
            60,
            room,
            "Standing agenda: metrics review, incidents and postmortems, big rocks, staffing.\n"
            "Doc: https://docs.bench.example/lt-running-notes",
        )
    if kind == "exec_staff":
        organizer = rng.choice(people)
        return Template(
            kind,
            rng.choice(("CTO staff meeting", "Exec staff", "E-staff weekly")),
            organizer,
            _crowd(rng, people, rng.randint(6, 10), organizer),
            90,
            room,
        )
    if kind == "qbr":
        organizer = rng.choice(people)
        return Template(
            kind,
            rng.choice((f"Q4 QBR — {team}", "Q4 QBR dry run", f"{team} quarterly business review")),
            organizer,
            _crowd(rng, people, rng.randint(8, 14), organizer),
            rng.choice((90, 120)),
            room,
            "Pre-read: https://docs.bench.example/qbr/q4\nPlease bring budget, headcount and "
            "reliability numbers.",
        )
    if kind == "incident":
        organizer = rng.choice(people)
        incident = rng.randint(1000, 9999)
        return Template(
            kind,
            rng.choice(
                (
                    f"Post-incident review: INC-{incident} {rng.choice(SERVICES)} latency",
                    f"Postmortem — INC-{incident}",
                    f"{team} SLO review",
                )
            ),
            organizer,
            _crowd(rng, people, rng.randint(4, 8), organizer),
            rng.choice((45, 60)),
            room,
            f"Timeline, contributing factors, action items. INC-{incident}; severity SEV-2.",
        )
    if kind == "vendor":
        vendor, domain = rng.choice(VENDORS)
        externals = [
            Attending(Person(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", address))
            for address in rng.sample(
                [f"account.manager@{domain}", f"solutions@{domain}", f"support.lead@{domain}"],
                rng.randint(1, 3),
            )
        ]
        organizer = boss_or_other
        crowd = _crowd(rng, people, rng.randint(2, 4), organizer)
        return Template(
            kind,
            rng.choice((f"Vendor sync — {vendor}", f"{vendor} renewal", f"{vendor} vendor review")),
            organizer,
            crowd + externals,
            rng.choice((30, 45, 60)),
            rng.choice(ROOMS[-2:]),
        )
    if kind == "debrief":
        organizer = rng.choice(people)
        return Template(
            kind,
            f"Interview debrief — {rng.choice(('Staff SRE', 'Senior PM', 'EM, Payments'))}",
            organizer,
            _crowd(rng, people, rng.randint(4, 6), organizer),
            30,
            room,
        )
    if kind == "standup":
        organizer = rng.choice(people)
        return Template(
            kind,
            rng.choice((f"{team} standup", "Ops standup", "Incident triage", "Hiring check-in")),
            organizer,
            _crowd(rng, people, rng.randint(4, 10), organizer),
            rng.choice((15, 15, 30)),
            rng.choice(ROOMS[-2:]),
        )
    if kind == "focus":
        return Template(
            kind,
            rng.choice(("Focus time", "Email and admin", "Lunch")),
            EXECUTIVE,
            [],
            rng.choice((60, 90, 120)),
        )
    # plain meetings: no meeting-type keyword, so they classify as `general`
    organizer = boss_or_other
    title = rng.choice(
        (
            "Roadmap review",
            f"Architecture review: {rng.choice(SERVICES)} redesign",
            "Budget planning",
            f"Coffee with {colleague.name.split()[0]}",
            "Design review: SSO rollout",
            f"Customer call — {rng.choice(VENDORS)[0]}",
            "All hands",
            f"{team} planning, sprint {rng.randint(40, 60)}",
        )
    )
    return Template(
        kind,
        title,
        organizer,
        _crowd(rng, people, rng.randint(2, 8), organizer),
        rng.choice((30, 45, 60)),
        room,
    )


# --------------------------------------------------------------------------------------------
# iCalendar text
# --------------------------------------------------------------------------------------------

VTIMEZONES = """BEGIN:VTIMEZONE
TZID:America/New_York
X-LIC-LOCATION:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Europe/London
X-LIC-LOCATION:Europe/London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19810329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19961027T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""".splitlines()


def _fold(line: str) -> str:
    """RFC 5545 folding: at most 75 octets a line, never splitting a UTF-8 character."""
    if len(line.encode()) <= 75:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # a continuation line starts with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ",;:") else value


def _when(name: str, value: datetime | date) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{value:%Y%m%d}"
    if value.tzinfo is UTC:
        return f"{name}:{value:%Y%m%dT%H%M%SZ}"
    return f"{name};TZID={value.tzinfo}:{value:%Y%m%dT%H%M%S}"


def _exdate(values: Sequence[datetime]) -> str:
    zone = values[0].tzinfo
    return f"EXDATE;TZID={zone}:" + ",".join(f"{v:%Y%m%dT%H%M%S}" for v in values)


def _vevent(
    uid: str,
    template: Template,
    start: datetime | date,
    end: datetime | date,
    *,
    rrule: str | None = None,
    exdates: Sequence[datetime] = (),
    recurrence_id: datetime | None = None,
    status: str = "CONFIRMED",
    sequence: int = 0,
    alarm: bool = False,
) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{uid}"]
    if recurrence_id is not None:
        lines.append(_when("RECURRENCE-ID", recurrence_id))
    lines += [
        f"DTSTAMP:{DTSTAMP}",
        "CREATED:20260824T180200Z",
        "LAST-MODIFIED:20261125T141500Z",
        f"SEQUENCE:{sequence}",
        f"SUMMARY:{_text(template.title)}",
    ]
    if template.description:
        lines.append(f"DESCRIPTION:{_text(template.description)}")
    lines += [_when("DTSTART", start), _when("DTEND", end)]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    if exdates:
        lines.append(_exdate(exdates))
    if template.location:
        lines.append(f"LOCATION:{_text(template.location)}")
    organizer = template.organizer
    lines.append(f"ORGANIZER;CN={_param(organizer.name)}:mailto:{organizer.email}")
    for a in template.attendees:
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE={a.role};PARTSTAT={a.partstat};"
            f"RSVP={'FALSE' if a.role == 'CHAIR' else 'TRUE'};CN={_param(a.person.name)}:"
            f"mailto:{a.person.email}"
        )
    lines += [f"STATUS:{status}", "TRANSP:OPAQUE"]
    if alarm:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Reminder",
            "TRIGGER:-PT10M",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def _render(blocks: Sequence[list[str]]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bench//exec-assistant sync benchmark//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Jordan Lee (benchmark)",
        f"X-WR-TIMEZONE:{TIMEZONE}",
        *VTIMEZONES,
    ]
    for block in blocks:
        lines.extend(block)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


# --------------------------------------------------------------------------------------------
# The calendar: series, overrides, one-offs and all-day events
# --------------------------------------------------------------------------------------------


@dataclass
class CalendarStats:
    daily_series: int = 0
    weekly_series: int = 0
    london_series: int = 0
    exdates_in_window: int = 0
    moved: int = 0
    cancelled_overrides: int = 0
    declined_overrides: int = 0
    retitled: int = 0
    one_offs: int = 0
    cancelled_one_offs: int = 0
    utc_one_offs: int = 0
    all_day: int = 0
    vevents: int = 0
    expected_instances: int = 0


def _overlaps(start: datetime, end: datetime) -> bool:
    return start < WINDOW_END and end > WINDOW_START


def _series(
    rng: random.Random, index: int, daily: bool, people: Sequence[Person], stats: CalendarStats
) -> list[list[str]]:
    """One recurring series, its EXDATEs and overrides; counts its instances in the window."""
    if daily:
        kind = _pick(rng, {"standup": 0.55, "focus": 0.2, "plain": 0.15, "incident": 0.1})
    else:
        kind = _pick(
            rng,
            {
                "one_on_one": 0.35,
                "leadership": 0.1,
                "exec_staff": 0.05,
                "vendor": 0.08,
                "incident": 0.07,
                "standup": 0.05,
                "plain": 0.3,
            },
        )
    template = _template(rng, kind, people)
    london = rng.random() < 0.06
    zone = LONDON if london else NEW_YORK
    stats.london_series += london
    if daily:
        stats.daily_series += 1
        days = list(WEEKDAYS) if kind != "focus" or rng.random() < 0.7 else [*WEEKDAYS, "SA", "SU"]
        rule = "FREQ=DAILY" + ("" if len(days) == 7 else ";BYDAY=" + ",".join(days))
    else:
        stats.weekly_series += 1
        shape = _pick(rng, {"one": 0.65, "two": 0.2, "biweekly": 0.15})
        days = sorted(rng.sample(WEEKDAYS, 2 if shape == "two" else 1), key=WEEKDAYS.index)
        interval = ";INTERVAL=2" if shape == "biweekly" else ""
        rule = f"FREQ=WEEKLY{interval};BYDAY={','.join(days)}"
        if shape == "one" and rng.random() < 0.1:
            rule += ";WKST=SU"
    if rng.random() < 0.05:  # a series ending inside the window
        until = datetime(2026, 12, rng.randint(2, 11), 23, 59, 59, tzinfo=UTC)
        rule += f";UNTIL={until:%Y%m%dT%H%M%SZ}"

    hour = rng.randint(9, 15) if london else rng.randint(8, 17)
    minute = rng.choice((0, 0, 30))
    if rng.random() < 0.05:  # a new series starting inside the window
        first = date(2026, 12, rng.randint(1, 10))
    else:
        first = date(2025, 1, 6) + timedelta(days=rng.randint(0, 680))
    while DAY_CODES[first.weekday()] not in days:
        first += timedelta(days=1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone).replace(
        hour=hour, minute=minute
    )
    duration = timedelta(minutes=template.minutes)
    rule_set = rrulestr(rule, dtstart=start)
    starts = [
        s
        for s in rule_set.between(WINDOW_START - duration, WINDOW_END, inc=True)
        if _overlaps(s, s + duration)
    ]

    exdates: list[datetime] = []
    if starts and rng.random() < (0.2 if daily else 0.08):
        exdates = sorted(rng.sample(starts, min(len(starts), rng.randint(1, 2))))
        stats.exdates_in_window += len(exdates)
        # an older, already excluded instance, as real series accumulate
        past = rule_set.before(WINDOW_START - timedelta(days=20))
        if past is not None:
            exdates.insert(0, past)
    kept = [s for s in starts if s not in exdates]

    uid = f"series-{index:05d}-{kind}@bench.example"
    blocks = [
        _vevent(
            uid,
            template,
            start,
            start + duration,
            rrule=rule,
            exdates=exdates,
            alarm=rng.random() < 0.3,
        )
    ]
    instances = len(kept)
    if kept and rng.random() < (0.1 if daily else 0.2):
        original = rng.choice(kept)
        change = _pick(rng, {"moved": 0.45, "cancelled": 0.25, "declined": 0.15, "retitled": 0.15})
        new_start, status, variant = original, "CONFIRMED", template
        if change == "moved":
            new_start = original + rng.choice(
                (timedelta(hours=1), timedelta(hours=-2), timedelta(days=1), timedelta(minutes=30))
            )
            instances += _overlaps(new_start, new_start + duration) - 1
            stats.moved += 1
        elif change == "cancelled":
            status = "CANCELLED"
            stats.cancelled_overrides += 1
        elif change == "declined":
            variant = replace(
                template,
                attendees=[
                    Attending(a.person, "DECLINED", a.role) if a.person == EXECUTIVE else a
                    for a in template.attendees
                ],
            )
            stats.declined_overrides += 1
        else:
            variant = replace(
                template,
                title=f"{template.title} (agenda: Q4 QBR prep)",
                description="This week only: QBR dry run.\n" + template.description,
            )
            stats.retitled += 1
        blocks.append(
            _vevent(
                uid,
                variant,
                new_start,
                new_start + duration,
                recurrence_id=original,
                status=status,
                sequence=1,
            )
        )
    stats.expected_instances += instances
    stats.vevents += len(blocks)
    return blocks


def _one_off(
    rng: random.Random, index: int, people: Sequence[Person], stats: CalendarStats
) -> list[str]:
    """One event inside the window (so exactly one instance)."""
    kind = _pick(
        rng,
        {
            "plain": 0.3,
            "one_on_one": 0.14,
            "qbr": 0.08,
            "incident": 0.12,
            "vendor": 0.12,
            "debrief": 0.12,
            "leadership": 0.04,
            "exec_staff": 0.03,
            "focus": 0.05,
        },
    )
    template = _template(rng, kind, people)
    day = WINDOW_START.date() + timedelta(days=rng.randint(0, LOOKAHEAD_DAYS - 1))
    if day.weekday() >= 5 and rng.random() < 0.8:
        day -= timedelta(days=day.weekday() - 4)  # mostly on weekdays
    local = datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK).replace(
        hour=rng.randint(8, 17), minute=rng.choice((0, 15, 30, 45))
    )
    start: datetime = local
    if rng.random() < 0.1:  # invitations from other systems often come in UTC
        start = local.astimezone(UTC)
        stats.utc_one_offs += 1
    elif rng.random() < 0.04 and day > WINDOW_START.date():
        start = local.astimezone(LONDON)
    end = start + timedelta(minutes=template.minutes)
    cancelled = rng.random() < 0.03
    stats.cancelled_one_offs += cancelled
    stats.one_offs += 1
    stats.vevents += 1
    stats.expected_instances += _overlaps(start, end)
    return _vevent(
        f"{index:06d}-{rng.getrandbits(48):012x}@bench.example",
        template,
        start,
        end,
        status="CANCELLED" if cancelled else "CONFIRMED",
        sequence=1 if cancelled else 0,
        alarm=rng.random() < 0.3,
    )


def _all_day(
    rng: random.Random, count: int, people: Sequence[Person], stats: CalendarStats
) -> list[list[str]]:
    """A few all-day events, on days well inside the window (one a weekly series)."""
    blocks: list[list[str]] = []
    for index in range(count):
        if index == 0:
            template = Template("all_day", "Working from home", EXECUTIVE, [], 0)
            first = date(2026, 9, 4)  # a Friday
            blocks.append(
                _vevent(
                    "allday-wfh@bench.example",
                    template,
                    first,
                    first + timedelta(days=1),
                    rrule="FREQ=WEEKLY;BYDAY=FR",
                )
            )
            instances = 2  # Dec 4 and Dec 11
        else:
            title = rng.choice(
                (
                    "Leadership team offsite",
                    f"OOO — {rng.choice(people).name}",
                    "Company holiday (office closed)",
                    "Board deck due",
                    "No-meeting day",
                )
            )
            organizer = rng.choice(people)
            template = Template("all_day", title, organizer, _crowd(rng, people, 4, organizer), 0)
            first = date(2026, 12, rng.randint(1, 10))
            days = 2 if "offsite" in title else 1
            blocks.append(
                _vevent(
                    f"allday-{index:03d}@bench.example",
                    template,
                    first,
                    first + timedelta(days=days),
                )
            )
            instances = 1
        stats.all_day += 1
        stats.vevents += 1
        stats.expected_instances += instances
    return blocks


def generate(events: int, one_offs: int | None = None) -> tuple[bytes, CalendarStats]:
    """The calendar for about `events` instances; `one_offs` overrides the computed fill."""
    stats = CalendarStats()
    rng = random.Random(SEED)
    people = _directory(rng, 120)
    blocks = _all_day(rng, max(3, events // 2000), people, stats)
    # About 40% of the instances from daily series, 32% from weekly ones, the rest one-offs.
    index = 0
    daily_budget, weekly_budget = events * 0.40, events * 0.72
    while stats.expected_instances < daily_budget:
        blocks += _series(rng, index, True, people, stats)
        index += 1
    while stats.expected_instances < weekly_budget:
        blocks += _series(rng, index, False, people, stats)
        index += 1
    fill = events - stats.expected_instances if one_offs is None else one_offs
    one_off_rng = random.Random(SEED + 1)  # so a changed fill leaves the series untouched
    for n in range(max(0, fill)):
        blocks.append(_one_off(one_off_rng, n, people, stats))
    return _render(blocks), stats


@dataclass
class Verification:
    instances: int
    parse_seconds: float
    expand_seconds: float


def verify(data: bytes) -> Verification:
    """The instances in the window, as the product's expander sees them."""
    started = time.perf_counter()
    calendar = icalendar.Calendar.from_ical(data)
    parsed = time.perf_counter()
    instances = len(list(recurring_ical_events.of(calendar).between(WINDOW_START, WINDOW_END)))
    return Verification(instances, parsed - started, time.perf_counter() - parsed)


def build_calendar(path: Path, events: int) -> tuple[CalendarStats, Verification]:
    """Write the calendar, correcting the one-off fill until the count is within tolerance."""
    data, stats = generate(events)
    check = verify(data)
    for _ in range(3):
        if abs(check.instances - events) <= events * COUNT_TOLERANCE:
            break
        data, stats = generate(events, stats.one_offs + events - check.instances)
        check = verify(data)
    path.write_bytes(data)
    return stats, check


# --------------------------------------------------------------------------------------------
# Running the sync
# --------------------------------------------------------------------------------------------


def open_local(home: Path) -> LocalApp:
    settings, _ = load_settings(
        {
            "home": str(home),
            "config_dir": str(home / "config"),
            "user_email": EXECUTIVE_EMAIL,
            "timezone": TIMEZONE,
            "lookahead_days": LOOKAHEAD_DAYS,
        }
    )
    return build_local(settings, command="bench", exclusive=True)


def run_sync(
    local: LocalApp,
    ics: Path,
    wrap_source: Callable[[CalendarSource], CalendarSource] | None = None,
    meetings: MeetingRepository | TimedMeetings | None = None,
) -> tuple[float, SyncReport]:
    """One sync, as `exec-assistant sync --calendar ICS --now NOW`; its seconds and report."""
    started = time.perf_counter()
    sources: list[CalendarSource] = list(local.calendar_sources([str(ics)]))
    if wrap_source is not None:
        sources = [wrap_source(s) for s in sources]
    report = sync_calendars(
        sources,
        meetings or local.meetings,
        local.overrides,
        local.config.catalog,
        local.config.rules,
        local.executive,
        NOW,
        local.settings.lookahead_days,
        calendar_states=local.calendar_states,
    )
    seconds = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"sync failed: {report.failed[0].error}")
    return seconds, report


class TimedSource:
    """The real calendar source, with the time its fetch took."""

    def __init__(self, inner: CalendarSource) -> None:
        self._inner = inner
        self.seconds = 0.0

    @property
    def calendar_id(self) -> str:
        return self._inner.calendar_id

    @property
    def location(self) -> str:
        return self._inner.location

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        started = time.perf_counter()
        try:
            return self._inner.fetch(window_start, window_end)
        finally:
            self.seconds += time.perf_counter() - started


class TimedMeetings:
    """The folder's meeting repository, with the time spent reading and writing."""

    def __init__(self, inner: MeetingRepository) -> None:
        self._inner = inner
        self.get_many_seconds = 0.0
        self.list_seconds = 0.0
        self.put_many_seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def fingerprints(self, meeting_ids: Sequence[str]) -> dict[str, str | None]:
        started = time.perf_counter()
        try:
            return self._inner.fingerprints(meeting_ids)
        finally:
            self.get_many_seconds += time.perf_counter() - started

    def statuses_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> dict[str, MeetingStatus]:
        started = time.perf_counter()
        try:
            return self._inner.statuses_between(start_from, start_to, calendar_id)
        finally:
            self.list_seconds += time.perf_counter() - started

    def update_many(
        self,
        meeting_ids: Sequence[str],
        change: Callable[[str, Meeting | None], Meeting | None],
    ) -> list[Meeting]:
        started = time.perf_counter()
        try:
            return self._inner.update_many(meeting_ids, change)
        finally:
            self.put_many_seconds += time.perf_counter() - started


@dataclass
class Breakdown:
    total: float
    fetch: float
    get_many: float
    list_between: float
    put_many: float
    changed: int

    @property
    def rest(self) -> float:
        """Classification, comparison and bookkeeping: everything not fetch or storage."""
        return self.total - self.fetch - self.get_many - self.list_between - self.put_many


def timed_breakdown(local: LocalApp, ics: Path) -> Breakdown:
    timed: list[TimedSource] = []

    def wrap(source: CalendarSource) -> CalendarSource:
        timed.append(TimedSource(source))
        return timed[-1]

    meetings = TimedMeetings(local.meetings)
    total, report = run_sync(local, ics, wrap, meetings)
    fetch = sum(t.seconds for t in timed)
    return Breakdown(
        total,
        fetch,
        meetings.get_many_seconds,
        meetings.list_seconds,
        meetings.put_many_seconds,
        len(report.changed_meetings),
    )


@dataclass
class Measurements:
    firsts: list[float]
    resyncs: list[float]
    resync_changes: list[int]
    first_report: SyncReport
    first_split: Breakdown
    resync_split: Breakdown

    @property
    def first(self) -> float:
        return statistics.median(self.firsts)

    @property
    def resync(self) -> float:
        return statistics.median(self.resyncs)

    @property
    def changed(self) -> int:
        return max([*self.resync_changes, self.resync_split.changed])


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(ics: Path, root: Path, repeat: int) -> Measurements:
    """First syncs on fresh folders, re-syncs on the last one, then the timed breakdown."""
    firsts: list[float] = []
    first_report: SyncReport | None = None
    home = root / "data-0"
    for run in range(repeat):
        home = root / f"data-{run}"
        local = open_local(home)
        try:
            seconds, first_report = run_sync(local, ics)
        finally:
            local.close()
        firsts.append(seconds)
        _progress(f"  first sync {run + 1}/{repeat}: {seconds:.2f} s")
    assert first_report is not None

    resyncs: list[float] = []
    changes: list[int] = []
    for run in range(repeat):
        local = open_local(home)  # a new command on the same data folder
        try:
            seconds, report = run_sync(local, ics)
        finally:
            local.close()
        resyncs.append(seconds)
        changes.append(len(report.changed_meetings))
        _progress(f"  re-sync {run + 1}/{repeat}: {seconds:.2f} s")

    local = open_local(root / "data-breakdown")
    try:
        first_split = timed_breakdown(local, ics)
        resync_split = timed_breakdown(local, ics)
    finally:
        local.close()
    _progress("  breakdown: done")
    return Measurements(firsts, resyncs, changes, first_report, first_split, resync_split)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _verdict(seconds: float, target: float) -> str:
    return "PASS" if seconds < target else "MISS"


def _runs(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def print_calendar(size: int, stats: CalendarStats, check: Verification, events: int) -> bool:
    """The calendar and its instance count; False when the count is off."""
    drift = check.instances - events
    within = abs(drift) <= events * COUNT_TOLERANCE
    print(
        f"  window        {WINDOW_START:%Y-%m-%d %H:%M} -> {WINDOW_END:%Y-%m-%d %H:%M} "
        f"{TIMEZONE} (now = {NOW.isoformat()}, lookahead {LOOKAHEAD_DAYS} days)"
    )
    print(f"  calendar      {size:,} bytes ({size / 1e6:.1f} MB), {stats.vevents:,} VEVENTs")
    print(
        f"                {stats.daily_series:,} daily + {stats.weekly_series:,} weekly series "
        f"({stats.london_series} in Europe/London), {stats.exdates_in_window} EXDATEs in the window"
    )
    print(
        f"                overrides: {stats.moved} moved, {stats.cancelled_overrides} "
        f"cancelled, {stats.declined_overrides} declined, {stats.retitled} retitled"
    )
    print(
        f"                {stats.one_offs:,} one-offs ({stats.utc_one_offs} in UTC, "
        f"{stats.cancelled_one_offs} cancelled), {stats.all_day} all-day events"
    )
    print(
        f"  instances     {check.instances:,} in the window per recurring_ical_events "
        f"(target {events:,} ± 1%, off by {drift:+d}: {'ok' if within else 'FAIL'})"
    )
    return within


def print_results(m: Measurements, check: Verification) -> None:
    report = m.first_report
    instances = report.total("events")
    statuses = Counter(meeting.status.value for meeting in report.changed_meetings)
    types = Counter(meeting.meeting_type for meeting in report.changed_meetings)
    print(
        f"  first sync    {instances:,} events fetched, {len(report.changed_meetings):,} "
        "meetings stored: " + ", ".join(f"{k} {v:,}" for k, v in statuses.most_common())
    )
    print("  types         " + ", ".join(f"{k} {v:,}" for k, v in types.most_common()))
    warnings = sum(len(c.warnings) for c in report.calendars)
    print(f"  warnings      {warnings}")
    print()
    print(f"  {'':26}{'median':>9}  {'ms/event':>9}  {'target':>8}  result  runs (s)")
    for label, median, runs, target in (
        ("first sync (fresh folder)", m.first, m.firsts, FIRST_SYNC_TARGET_S),
        ("unchanged re-sync", m.resync, m.resyncs, RESYNC_TARGET_S),
    ):
        print(
            f"  {label:26}{median:>8.2f}s  {median * 1000 / instances:>9.3f}  "
            f"{f'< {target:g} s':>8}  {_verdict(median, target):6}  {_runs(runs)}"
        )
    print(f"  ratio first / re-sync: {m.first / m.resync:.2f}x")
    print(
        f"  re-sync changed {m.changed} meetings (must be 0): {'ok' if m.changed == 0 else 'FAIL'}"
        f"  [per run: {', '.join(str(c) for c in [*m.resync_changes, m.resync_split.changed])}]"
    )
    print()
    a, b = m.first_split, m.resync_split
    print(f"  breakdown (one run each)          {'first sync':>16}  {'re-sync':>16}")
    for label, x, y in (
        ("fetch: read+parse+expand+convert", a.fetch, b.fetch),
        ("storage: fingerprints", a.get_many, b.get_many),
        ("storage: statuses_between (vanished)", a.list_between, b.list_between),
        ("the rest (fingerprints, counts)", a.rest, b.rest),
        ("read+judge+write: update_many", a.put_many, b.put_many),
        ("total", a.total, b.total),
    ):
        print(f"  {label:34}{x:>7.2f} s {x / a.total:>5.0%}  {y:>7.2f} s {y / b.total:>5.0%}")
    print(
        "  (within fetch: the libraries alone, timed in the instance check, took "
        f"icalendar parse {check.parse_seconds:.2f} s + recurring_ical_events expansion "
        f"{check.expand_seconds:.2f} s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000, help="instances in the window")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each sync")
    args = parser.parse_args(argv)
    if args.events < 100 or args.repeat < 1:
        parser.error("--events must be at least 100 and --repeat at least 1")

    with tempfile.TemporaryDirectory(prefix="exec-assistant-bench-") as tmp:
        root = Path(tmp)
        ics = root / "calendar.ics"
        started = time.perf_counter()
        stats, check = build_calendar(ics, args.events)
        made = time.perf_counter() - started
        print(f"exec-assistant sync benchmark (calendar made and checked in {made:.1f} s)")
        count_ok = print_calendar(ics.stat().st_size, stats, check, args.events)
        m = measure(ics, root, args.repeat)
        google = run_google(root, args.events, NOW, LOOKAHEAD_DAYS, args.repeat)
    print_results(m, check)
    google_problems = print_google(google)

    print()
    problems = [] if count_ok else [f"{check.instances} instances is not {args.events} ± 1%"]
    if m.changed:
        problems.append(f"an unchanged re-sync changed {m.changed} meetings")
    problems += [p for p in google_problems if "took" not in p]
    missed = [
        name
        for name, seconds, target in (
            ("first sync", m.first, FIRST_SYNC_TARGET_S),
            ("re-sync", m.resync, RESYNC_TARGET_S),
        )
        if seconds >= target
    ] + [p for p in google_problems if "took" in p]
    if problems:
        print("CHECK FAILED: " + "; ".join(problems))
        return 2
    if missed:
        print("TARGET MISSED: " + ", ".join(missed))
        return 1
    print("ALL TARGETS MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
