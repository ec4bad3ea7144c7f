"""The incremental-sync run of bench/sync.py: a Google calendar of N instances (and a small
second calendar) on the fake Google Calendar API on 127.0.0.1, read through the real source
(`google:<calendar>`, google-api-python-client), first in full, then unchanged, then with one
change. It counts the HTTP requests the fake received for each sync.

Target: an unchanged re-sync makes one request per calendar and finishes in under 1 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))  # the fake Google server lives with the tests

from exec_assistant.bootstrap import LocalApp, build_local  # noqa: E402
from exec_assistant.clocks import FixedClock  # noqa: E402
from exec_assistant.services.sync_calendars import SyncReport, sync_calendars  # noqa: E402
from exec_assistant.settings import load_settings  # noqa: E402

from google_calendar_api import (  # noqa: E402
    GoogleCalendarServer,
    event_item,
    series_items,
)

INCREMENTAL_TARGET_S = 1.0
TEAM = "team-bench@group.calendar.google.com"
TEAM_EVENTS = 200
NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class GoogleRun:
    instances: int
    """In the sync window, on the primary calendar."""
    first_seconds: float
    first_requests: int
    resync_seconds: list[float]
    resync_requests: list[int]
    resync_changed: list[int]
    changed_seconds: float
    changed_requests: int
    changed_meetings: int
    calendars: int = 2

    @property
    def resync(self) -> float:
        return statistics.median(self.resync_seconds)


def _fill(google: GoogleCalendarServer, now: datetime, days: int, events: int) -> int:
    """Daily series and one-offs whose instances in [now, now + days) number `events`; the
    series go on past the window, as real ones do."""
    start = now.astimezone(NEW_YORK).replace(hour=8, minute=0, second=0, microsecond=0)
    start += timedelta(days=1)
    per_series = days - 1  # instances of a daily series inside the window
    series = int(events * 0.7) // per_series
    items = []
    for n in range(series):
        first = start + timedelta(minutes=5 * (n % 120))
        items += series_items(
            f"bser{n:05d}", f"Daily sync {n}", first, per_series + 14, every=timedelta(days=1)
        )
    in_window = series * per_series
    for n in range(events - in_window):
        when = start + timedelta(days=n % per_series, minutes=7 * (n % 97))
        items.append(event_item(f"bone{n:05d}", f"One-off {n}", when, when + timedelta(hours=1)))
    google.put_events("primary", items)
    team_start = start + timedelta(hours=3)
    google.put_events(
        TEAM,
        [
            event_item(f"team{n:03d}", f"Team {n}", team_start + timedelta(hours=n), team_start)
            for n in range(TEAM_EVENTS)
        ],
    )
    return events


def _open(home: Path, google: GoogleCalendarServer, lookahead: int) -> LocalApp:
    settings, _ = load_settings(
        {
            "home": str(home),
            "config_dir": str(home / "config"),
            "user_email": google.user,
            "timezone": "America/New_York",
            "lookahead_days": lookahead,
            "google_api_endpoint": google.api_endpoint,
            "credential_store": "file",
        }
    )
    return build_local(settings, command="bench", exclusive=True)


def _sync(
    home: Path, google: GoogleCalendarServer, now: datetime, lookahead: int
) -> tuple[float, int, SyncReport]:
    """One `exec-assistant sync` of both calendars on the folder: seconds, requests, report."""
    before = len(google.seen)
    started = time.perf_counter()
    local = _open(home, google, lookahead)
    try:
        sources = local.calendar_sources(
            ["google:primary", f"google:{TEAM}"], clock=FixedClock(now)
        )
        report = sync_calendars(
            sources,
            local.meetings,
            local.overrides,
            local.config.catalog,
            local.config.rules,
            local.executive,
            now,
            lookahead,
            calendar_states=local.calendar_states,
        )
    finally:
        local.close()
    seconds = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"the Google sync failed: {report.failed[0].error}")
    return seconds, len(google.seen) - before, report


def run_google(root: Path, events: int, now: datetime, lookahead: int, repeat: int) -> GoogleRun:
    home = root / "google-data"
    with GoogleCalendarServer(user="exec@bench.example") as google:
        google.add_calendar(TEAM, summary="Team", time_zone="America/New_York")
        instances = _fill(google, now, lookahead, events)
        local = _open(home, google, lookahead)
        try:
            local.credentials.save("google", google.authorization())
        finally:
            local.close()
        first, first_requests, _ = _sync(home, google, now, lookahead)
        print(f"  google first sync: {first:.2f} s, {first_requests} requests", file=sys.stderr)
        times, requests, changed = [], [], []
        for run in range(repeat):
            seconds, count, report = _sync(home, google, now, lookahead)
            times.append(seconds)
            requests.append(count)
            changed.append(len(report.changed_meetings))
            print(f"  google re-sync {run + 1}/{repeat}: {seconds:.2f} s", file=sys.stderr)
        moved = event_item(
            "bone00000",
            "One-off 0 (moved)",
            now + timedelta(days=3),
            now + timedelta(days=3, hours=1),
        )
        google.put_events("primary", [moved])
        changed_seconds, changed_requests, report = _sync(home, google, now, lookahead)
    return GoogleRun(
        instances=instances,
        first_seconds=first,
        first_requests=first_requests,
        resync_seconds=times,
        resync_requests=requests,
        resync_changed=changed,
        changed_seconds=changed_seconds,
        changed_requests=changed_requests,
        changed_meetings=len(report.changed_meetings),
    )


def print_google(run: GoogleRun) -> list[str]:
    """The section of the report; the problems found (empty when the target is met)."""
    per_calendar = max(run.resync_requests) / run.calendars
    ok = run.resync < INCREMENTAL_TARGET_S and per_calendar == 1
    print()
    print(
        f"  incremental sync, Google Calendar API (fake on 127.0.0.1): {run.instances:,} "
        f"instances on google:primary and {TEAM_EVENTS} on a second calendar"
    )
    print(f"  {'':32}{'median':>8}  requests   target          result")
    print(f"  {'first sync (full, paged)':32}{run.first_seconds:7.2f}s  {run.first_requests:>8}")
    print(
        f"  {'unchanged re-sync':32}{run.resync:7.2f}s  {max(run.resync_requests):>8}   "
        f"< 1 s, 1/calendar  {'PASS' if ok else 'FAIL'}"
    )
    print(
        f"  {'re-sync after one change':32}{run.changed_seconds:7.2f}s  "
        f"{run.changed_requests:>8}   ({run.changed_meetings} meeting changed)"
    )
    print(
        f"  ratio first / unchanged re-sync: {run.first_seconds / run.resync:.1f}x; "
        f"requests per calendar on the re-sync: {per_calendar:g}"
    )
    problems = []
    if any(run.resync_changed):
        problems.append(f"an unchanged Google re-sync changed {max(run.resync_changed)} meetings")
    if run.changed_meetings != 1:
        problems.append(f"one changed event changed {run.changed_meetings} meetings")
    if not ok:
        problems.append(
            f"the unchanged Google re-sync took {run.resync:.2f} s and "
            f"{max(run.resync_requests)} requests"
        )
    return problems
