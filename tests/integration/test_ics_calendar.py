"""The iCalendar source on real files and a real HTTP server on loopback."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exec_assistant.calendars.ics import IcsCalendarSource, Parser
from exec_assistant.domain.errors import CalendarUnavailable
from exec_assistant.domain.identity import meeting_id_for
from exec_assistant.domain.models import ResponseStatus
from exec_assistant.ports import CalendarFetch

from factories import EXEC, NEW_YORK, calendar_text, vevent

WINDOW = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))


@pytest.fixture(params=["auto", "full"])
def parser(request: pytest.FixtureRequest) -> Parser:
    """Each test runs on the fast reader (auto) and on the reference path (full)."""
    value: Parser = request.param
    return value


def source_for(tmp_path: Path, *events: str, parser: Parser) -> IcsCalendarSource:
    path = tmp_path / "calendar.ics"
    path.write_text(calendar_text(*events))
    return IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser)


WEEKLY = vevent(
    "weekly@test",
    "Leadership team",
    "20261019T100000",
    "20261019T110000",
    extra=[
        "RRULE:FREQ=WEEKLY;COUNT=5",
        "EXDATE;TZID=America/New_York:20261026T100000",
    ],
)
MOVED = vevent(
    "weekly@test",
    "Leadership team (moved)",
    "20261110T140000",
    "20261110T150000",
    extra=["RECURRENCE-ID;TZID=America/New_York:20261109T100000"],
)


def test_recurring_series_expand_without_excluded_dates(tmp_path: Path, parser: Parser) -> None:
    fetched = source_for(tmp_path, WEEKLY, parser=parser).fetch(*WINDOW)
    starts = [e.start.astimezone(NEW_YORK).date().isoformat() for e in fetched.events]
    assert starts == ["2026-10-19", "2026-11-02", "2026-11-09", "2026-11-16"]
    assert fetched.name == "Test calendar"


def test_a_moved_instance_keeps_the_id_of_the_slot_it_came_from(
    tmp_path: Path, parser: Parser
) -> None:
    plain = source_for(tmp_path, WEEKLY, parser=parser)
    before = {e.start: e for e in plain.fetch(*WINDOW).events}
    original = next(
        e
        for e in before.values()
        if e.start.astimezone(NEW_YORK).date().isoformat() == "2026-11-09"
    )
    after = source_for(tmp_path, WEEKLY, MOVED, parser=parser).fetch(*WINDOW).events
    moved = next(e for e in after if e.title == "Leadership team (moved)")
    assert moved.start == datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
    assert meeting_id_for(moved.calendar_id, moved.uid, moved.recurrence_id) == meeting_id_for(
        original.calendar_id, original.uid, original.recurrence_id
    )
    assert len(after) == 4


def test_wall_clock_time_holds_across_a_dst_change(tmp_path: Path, parser: Parser) -> None:
    # New York leaves daylight time on 1 Nov 2026: 10:00 is 14:00 UTC before, 15:00 after.
    events = source_for(tmp_path, WEEKLY, parser=parser).fetch(*WINDOW).events
    assert events[0].start == datetime(2026, 10, 19, 14, 0, tzinfo=UTC)
    assert events[1].start == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert {e.start.astimezone(NEW_YORK).hour for e in events} == {10}
    assert {e.timezone for e in events} == {"America/New_York"}


def test_every_instance_of_a_series_has_its_own_stable_id(tmp_path: Path, parser: Parser) -> None:
    first = source_for(tmp_path, WEEKLY, parser=parser).fetch(*WINDOW).events
    second = source_for(tmp_path, WEEKLY, parser=parser).fetch(*WINDOW).events
    ids = [meeting_id_for(e.calendar_id, e.uid, e.recurrence_id) for e in first]
    assert len(set(ids)) == len(ids)
    assert ids == [meeting_id_for(e.calendar_id, e.uid, e.recurrence_id) for e in second]


def test_utc_and_other_zones_are_kept(tmp_path: Path, parser: Parser) -> None:
    events = (
        source_for(
            tmp_path,
            vevent("utc@test", "UTC one", "20261201T150000Z", "20261201T160000Z", tz=None),
            vevent(
                "ldn@test",
                "London one",
                "20261201T090000",
                "20261201T100000",
                tz="Europe/London",
                extra=[],
            ),
            parser=parser,
        )
        .fetch(*WINDOW)
        .events
    )
    by_title = {e.title: e for e in events}
    assert by_title["UTC one"].timezone == "UTC"
    assert by_title["London one"].timezone == "Europe/London"
    assert by_title["London one"].start == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_floating_times_are_the_executives_wall_clock(tmp_path: Path, parser: Parser) -> None:
    events = (
        source_for(
            tmp_path,
            vevent("float@test", "Floating", "20261201T090000", "20261201T100000", tz=None),
            parser=parser,
        )
        .fetch(*WINDOW)
        .events
    )
    assert events[0].start == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert events[0].timezone == "America/New_York"


def test_all_day_events_are_marked(tmp_path: Path, parser: Parser) -> None:
    events = (
        source_for(tmp_path, vevent("day@test", "Offsite", "20261209", "20261210"), parser=parser)
        .fetch(*WINDOW)
        .events
    )
    assert events[0].all_day
    assert events[0].start == datetime(2026, 12, 9, 5, 0, tzinfo=UTC)


def test_attendees_responses_and_organizer(tmp_path: Path, parser: Parser) -> None:
    events = (
        source_for(
            tmp_path,
            vevent(
                "people@test",
                "Guild",
                "20261203T120000",
                "20261203T130000",
                organizer="mailto:Wei.Zhang@Northwind.example",
                attendees=[
                    f"CN=Jordan Lee;PARTSTAT=DECLINED:mailto:{EXEC}",
                    "CN=Priya;PARTSTAT=TENTATIVE:mailto:priya@northwind.example",
                    "CN=Marcus:mailto:marcus@northwind.example",
                ],
            ),
            parser=parser,
        )
        .fetch(*WINDOW)
        .events
    )
    e = events[0]
    assert e.organizer is not None and e.organizer.email == "wei.zhang@northwind.example"
    assert [(a.email, a.response) for a in e.attendees] == [
        (EXEC, ResponseStatus.DECLINED),
        ("priya@northwind.example", ResponseStatus.TENTATIVE),
        ("marcus@northwind.example", ResponseStatus.NEEDS_ACTION),
    ]


def test_a_cancelled_instance_is_reported_cancelled(tmp_path: Path, parser: Parser) -> None:
    cancelled = vevent(
        "weekly@test",
        "Leadership team",
        "20261109T100000",
        "20261109T110000",
        extra=["RECURRENCE-ID;TZID=America/New_York:20261109T100000", "STATUS:CANCELLED"],
    )
    events = source_for(tmp_path, WEEKLY, cancelled, parser=parser).fetch(*WINDOW).events
    assert [e.cancelled for e in events] == [False, False, True, False]


def test_one_bad_event_is_skipped_with_a_warning_and_the_rest_import(
    tmp_path: Path, parser: Parser
) -> None:
    broken = vevent("broken@test", "Broken one", "2026120XT100000", "20261201T110000")
    fetched = source_for(tmp_path, WEEKLY, broken, parser=parser).fetch(*WINDOW)
    assert len(fetched.events) == 4
    assert fetched.warnings == [
        "skipped event 'Broken one' (UID broken@test): "
        "DTSTART has a value that is not a date or time: '2026120XT100000'"
    ]


def test_a_bad_recurrence_rule_skips_only_that_series(tmp_path: Path, parser: Parser) -> None:
    bad_rule = vevent(
        "badrule@test",
        "Bad rule",
        "20261201T100000",
        "20261201T110000",
        extra=["RRULE:FREQ=SOMETIMES"],
    )
    fetched = source_for(tmp_path, WEEKLY, bad_rule, parser=parser).fetch(*WINDOW)
    assert len(fetched.events) == 4
    assert any("Bad rule" in w for w in fetched.warnings)


def test_a_file_that_is_not_a_calendar(tmp_path: Path, parser: Parser) -> None:
    path = tmp_path / "notes.ics"
    path.write_text("hello, I am not a calendar\n")
    with pytest.raises(CalendarUnavailable, match=r"notes\.ics: not an iCalendar file"):
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


def test_a_missing_file(tmp_path: Path, parser: Parser) -> None:
    missing = tmp_path / "nope.ics"
    with pytest.raises(CalendarUnavailable, match="no such file"):
        IcsCalendarSource(str(missing), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


@pytest.mark.parametrize("cut", [300, 600, -20, -6])
def test_a_truncated_file_is_reported_as_cut(tmp_path: Path, parser: Parser, cut: int) -> None:
    path = tmp_path / "cut.ics"
    path.write_text(calendar_text(WEEKLY)[:cut])
    with pytest.raises(CalendarUnavailable) as raised:
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)
    assert raised.value.reason == "the file ends before END:VCALENDAR: it may be truncated"


def test_a_file_that_is_only_begin_vcalendar_is_reported_as_cut(
    tmp_path: Path, parser: Parser
) -> None:
    path = tmp_path / "begin.ics"
    path.write_text("BEGIN:VCALENDAR\r\n")
    with pytest.raises(CalendarUnavailable, match="ends before END:VCALENDAR: it may be truncated"):
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


def test_a_second_calendar_cut_short_is_reported_as_cut(tmp_path: Path, parser: Parser) -> None:
    path = tmp_path / "two.ics"
    path.write_text(calendar_text(WEEKLY) + calendar_text(MOVED)[:400])
    with pytest.raises(CalendarUnavailable, match="ends before END:VCALENDAR: it may be truncated"):
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


def test_a_missing_end_line_is_named(tmp_path: Path, parser: Parser) -> None:
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT5M\nEND:VEVENT"  # no END:VALARM
    path = tmp_path / "end.ics"
    path.write_text(calendar_text(WEEKLY.replace("END:VEVENT", alarm)))
    with pytest.raises(CalendarUnavailable, match="it may be truncated, or an END line is missing"):
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


class _CalendarHandler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path != "/calendar.ics":
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def calendar_server() -> Iterator[str]:
    handler = type("Handler", (_CalendarHandler,), {"body": calendar_text(WEEKLY).encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_calendar_url(calendar_server: str, parser: Parser) -> None:
    source = IcsCalendarSource(
        f"{calendar_server}/calendar.ics", default_zone=NEW_YORK, parser=parser
    )
    assert len(source.fetch(*WINDOW).events) == 4


def test_a_webcal_url_is_fetched_over_http(calendar_server: str, parser: Parser) -> None:
    url = calendar_server.replace("http://", "webcal://") + "/calendar.ics"
    source = IcsCalendarSource(url, default_zone=NEW_YORK, parser=parser)
    # webcal means https; a plain-http test server answers only http, so expect the attempt.
    with pytest.raises(CalendarUnavailable, match="webcal://"):
        source.fetch(*WINDOW)


def test_an_http_error_names_the_url_and_status(calendar_server: str, parser: Parser) -> None:
    url = f"{calendar_server}/missing.ics"
    with pytest.raises(CalendarUnavailable, match=rf"{url}: HTTP 404"):
        IcsCalendarSource(url, default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_url_names_the_url(parser: Parser) -> None:
    url = f"http://127.0.0.1:{closed_port()}/calendar.ics"
    with pytest.raises(CalendarUnavailable, match=rf"cannot read calendar {url}: unreachable"):
        IcsCalendarSource(url, default_zone=NEW_YORK, timeout_seconds=2, parser=parser).fetch(
            *WINDOW
        )


def test_a_rule_that_never_advances_is_skipped_not_followed(tmp_path: Path, parser: Parser) -> None:
    endless = vevent(
        "endless@test",
        "Endless",
        "20261201T100000",
        "20261201T110000",
        extra=["RRULE:FREQ=DAILY;INTERVAL=0"],
    )
    fetched = source_for(tmp_path, WEEKLY, endless, parser=parser).fetch(*WINDOW)
    assert len(fetched.events) == 4
    assert any("'Endless'" in w and "INTERVAL must be 1 or more" in w for w in fetched.warnings)


def test_a_repeating_event_that_lasts_longer_than_a_year_is_skipped(
    tmp_path: Path, parser: Parser
) -> None:
    # Each occurrence would overlap the window: 46,000 meetings in a two-week sync.
    flood = vevent(
        "flood@test",
        "Flood",
        "19000101T100000",
        "20261231T100000",
        extra=["RRULE:FREQ=DAILY"],
    )
    started = time.monotonic()
    fetched = source_for(tmp_path, WEEKLY, flood, parser=parser).fetch(*WINDOW)
    assert len(fetched.events) == 4
    assert fetched.warnings == [
        "skipped event 'Flood' (UID flood@test): it repeats, and each occurrence lasts "
        "46,385 days; a repeating event lasts a year at most"
    ]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "RRULE: it never happens: BYMONTHDAY=30 does not exist in BYMONTH=2",
        ),
        (
            "FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31",
            "RRULE: it never happens: BYMONTHDAY=31 does not exist in BYMONTH=4,6",
        ),
        ("FREQ=HOURLY;BYHOUR=25", "RRULE: BYHOUR must be between 0 and 23, not 25"),
        (
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0",
            "RRULE: BYSETPOS must be between 1 and 366 or between -366 and -1, not 0",
        ),
        ("FREQ=MONTHLY;BYDAY=0MO", "RRULE: BYDAY counts weeks from 1 to 53, not '0MO'"),
        ("COUNT=3", "RRULE: it has no FREQ (such as FREQ=WEEKLY)"),
    ],
)
def test_a_rule_that_cannot_happen_is_skipped_and_not_searched_for(
    tmp_path: Path, parser: Parser, rule: str, problem: str
) -> None:
    never = vevent(
        "never@test", "Never", "20261201T100000", "20261201T110000", extra=[f"RRULE:{rule}"]
    )
    started = time.monotonic()
    fetched = source_for(tmp_path, WEEKLY, never, parser=parser).fetch(*WINDOW)
    assert fetched.warnings == [f"skipped event 'Never' (UID never@test): {problem}"]
    assert time.monotonic() - started < 2  # dateutil would look for it until the year 9999


def test_a_meeting_every_minute_is_skipped(tmp_path: Path, parser: Parser) -> None:
    flood = vevent(
        "flood@test",
        "Flood",
        "20261201T100000",
        "20261201T100100",
        extra=["RRULE:FREQ=MINUTELY"],
    )
    fetched = source_for(tmp_path, WEEKLY, flood, parser=parser).fetch(*WINDOW)
    assert len(fetched.events) == 4
    assert any("FREQ=MINUTELY is not a meeting schedule" in w for w in fetched.warnings)


# --------------------------------------------------------------------------------------------
# Events without a UID
# --------------------------------------------------------------------------------------------

NO_UID = "BEGIN:VEVENT\nSUMMARY:Board sync\nDTSTART:20261201T150000Z\nORGANIZER:mailto:a@x.example"


def no_uid(*lines: str) -> str:
    return "\n".join([NO_UID, *lines, "END:VEVENT"])


def meeting_ids(fetched: CalendarFetch) -> set[str]:
    return {meeting_id_for(e.calendar_id, e.uid, e.recurrence_id) for e in fetched.events}


def test_an_event_without_a_uid_keeps_its_id_from_one_sync_to_the_next(
    tmp_path: Path, parser: Parser
) -> None:
    first = source_for(tmp_path, WEEKLY, no_uid(), parser=parser).fetch(*WINDOW)
    again = source_for(tmp_path, WEEKLY, no_uid("DESCRIPTION:agenda changed"), parser=parser)
    assert meeting_ids(first) == meeting_ids(again.fetch(*WINDOW))
    assert len(first.events) == 5
    assert first.warnings == [
        "1 event has no UID; its id was derived from its start, title and organizer"
    ]


@pytest.mark.parametrize(
    "changed",
    [
        no_uid().replace("Board sync", "Board sync (moved)"),
        no_uid().replace("20261201T150000Z", "20261202T150000Z"),
        no_uid().replace("a@x.example", "b@x.example"),
    ],
)
def test_an_event_without_a_uid_is_another_event_once_its_start_title_or_organizer_change(
    tmp_path: Path, parser: Parser, changed: str
) -> None:
    before = source_for(tmp_path, no_uid(), parser=parser).fetch(*WINDOW)
    after = source_for(tmp_path, changed, parser=parser).fetch(*WINDOW)
    assert meeting_ids(before).isdisjoint(meeting_ids(after))


def test_the_same_event_given_twice_without_a_uid_is_one_meeting(
    tmp_path: Path, parser: Parser
) -> None:
    fetched = source_for(tmp_path, no_uid(), no_uid(), parser=parser).fetch(*WINDOW)
    assert len(meeting_ids(fetched)) == 1
    assert fetched.warnings == [
        "2 events have no UID; ids were derived from their start, title and organizer"
    ]


def test_a_moved_occurrence_without_a_uid_is_skipped_and_its_series_kept(
    tmp_path: Path, parser: Parser
) -> None:
    series = WEEKLY.replace("UID:weekly@test\n", "")
    moved = MOVED.replace("UID:weekly@test\n", "")
    fetched = source_for(tmp_path, series, moved, parser=parser).fetch(*WINDOW)
    assert [e.title for e in fetched.events] == ["Leadership team"] * 4
    assert fetched.warnings[0].startswith(
        "skipped event 'Leadership team (moved)' (no UID): it changes one occurrence"
    )


# --------------------------------------------------------------------------------------------
# Hostile files and fields
# --------------------------------------------------------------------------------------------


def test_control_characters_are_taken_out_of_titles(tmp_path: Path, parser: Parser) -> None:
    event = vevent("ctl@test", "Budget\x00 review\x1b[31m", "20261201T100000", "20261201T110000")
    fetched = source_for(tmp_path, event, parser=parser).fetch(*WINDOW)
    assert [e.title for e in fetched.events] == ["Budget review[31m"]


def test_a_20_mb_title_is_cut_and_the_file_still_reads(tmp_path: Path, parser: Parser) -> None:
    # The reference path parses every character in Python: 2 MB show the same there.
    size = 20_000_000 if parser == "auto" else 2_000_000
    event = vevent("long@test", "x" * size, "20261201T100000", "20261201T110000")
    broken = vevent("long-bad@test", "y" * 500, "2026120XT100000", "20261201T110000")
    started = time.monotonic()
    fetched = source_for(tmp_path, WEEKLY, event, broken, parser=parser).fetch(*WINDOW)
    long = next(e for e in fetched.events if e.uid == "long@test")
    assert long.title == "x" * 499 + "…"
    assert fetched.warnings == [
        f"skipped event '{'y' * 60}…' (UID long-bad@test): "
        "DTSTART has a value that is not a date or time: '2026120XT100000'"
    ]
    assert time.monotonic() - started < 20


def test_a_name_given_as_a_list_reads_as_written(tmp_path: Path, parser: Parser) -> None:
    event = vevent(
        "cn@test",
        "Guild",
        "20261201T100000",
        "20261201T110000",
        attendees=["CN=Lee, Jordan;PARTSTAT=ACCEPTED:mailto:lee@x.example"],
    )
    fetched = source_for(tmp_path, event, parser=parser).fetch(*WINDOW)
    assert [a.name for a in fetched.events[0].attendees] == ["Lee, Jordan"]


def test_a_title_given_twice_reads_the_first_with_a_notice(tmp_path: Path, parser: Parser) -> None:
    event = vevent(
        "twice@test", "First", "20261201T100000", "20261201T110000", extra=["SUMMARY:Second"]
    )
    fetched = source_for(tmp_path, event, parser=parser).fetch(*WINDOW)
    assert [e.title for e in fetched.events] == ["First"]
    assert fetched.warnings == [
        "event 'First' (UID twice@test): SUMMARY appears 2 times; the first is used"
    ]


def test_an_unknown_time_zone_is_read_as_the_executives_with_a_notice(
    tmp_path: Path, parser: Parser
) -> None:
    event = vevent("mars@test", "Rover", "20261201T090000", "20261201T100000", tz="Mars/Base")
    fetched = source_for(tmp_path, event, parser=parser).fetch(*WINDOW)
    assert [e.start for e in fetched.events] == [datetime(2026, 12, 1, 14, 0, tzinfo=UTC)]
    assert fetched.warnings == [
        "event 'Rover' (UID mars@test): time zone 'Mars/Base' is unknown (no VTIMEZONE in "
        "the file defines it); its times are read as America/New_York time"
    ]


@pytest.mark.parametrize(
    "parts",
    [
        [],  # no STANDARD or DAYLIGHT at all
        ["BEGIN:STANDARD", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0500", "END:STANDARD"],
        ["BEGIN:STANDARD", "DTSTART:16010101T000000", "TZOFFSETFROM:-0500", "END:STANDARD"],
    ],
)
def test_a_vtimezone_that_cannot_be_read_costs_only_its_own_events_their_zone(
    tmp_path: Path, parser: Parser, parts: list[str]
) -> None:
    zone = "\n".join(["BEGIN:VTIMEZONE", "TZID:Office", *parts, "END:VTIMEZONE"])
    event = vevent("office@test", "Office", "20261201T090000", "20261201T100000", tz="Office")
    fetched = source_for(tmp_path, zone, WEEKLY, event, parser=parser).fetch(*WINDOW)
    assert len(fetched.events) == 5
    assert fetched.warnings == [
        "event 'Office' (UID office@test): time zone 'Office' has a VTIMEZONE that cannot be "
        "read; its times are read as America/New_York time"
    ]


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(
    tmp_path: Path, parser: Parser
) -> None:
    path = tmp_path / "huge.ics"
    with path.open("wb") as file:
        file.write(b"BEGIN:VCALENDAR\r\n")
        file.truncate(60 * 1024 * 1024)  # sparse: 60 MB on paper, nothing on disk
    with pytest.raises(CalendarUnavailable) as raised:
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)
    assert raised.value.reason == (
        "larger than 50 MB (it is 60 MB); raise EXEC_ASSISTANT_CALENDAR_MAX_MB if it is real"
    )


def test_a_smaller_cap_applies_to_files_too(tmp_path: Path, parser: Parser) -> None:
    path = tmp_path / "calendar.ics"
    path.write_text(calendar_text(WEEKLY))
    size = path.stat().st_size
    fits = IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser, max_bytes=size)
    assert len(fits.fetch(*WINDOW).events) == 4
    small = IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser, max_bytes=size - 1)
    with pytest.raises(
        CalendarUnavailable, match=rf"larger than {size - 1:,} bytes \(it is {size:,}"
    ):
        small.fetch(*WINDOW)


def test_a_pipe_is_refused_instead_of_waited_on(tmp_path: Path, parser: Parser) -> None:
    path = tmp_path / "calendar.ics"
    os.mkfifo(path)
    with pytest.raises(CalendarUnavailable, match="is not a regular file"):
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bytes(range(256)) * 64, "not an iCalendar file (no BEGIN:VCALENDAR)"),
        (
            b"BEGIN:VCALENDAR\r\n" + bytes(range(256)) * 64 + b"\r\nEND:VCALENDAR\r\n",
            r"not valid iCalendar: a line is not NAME:value: '\x00\x01\x02",
        ),
        (b"BEGIN:VCALENDAR\r\n" + bytes(range(256)) * 64, "it may be truncated"),
        (calendar_text(WEEKLY).encode("utf-16"), "the file is in UTF-16"),
        (b"", "not an iCalendar file"),
    ],
)
def test_binary_data_gets_a_message_not_a_dump(
    tmp_path: Path, parser: Parser, data: bytes, reason: str
) -> None:
    path = tmp_path / "binary.ics"
    path.write_bytes(data)
    with pytest.raises(CalendarUnavailable) as raised:
        IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)
    assert reason in raised.value.reason
    assert len(str(raised.value)) < 300


def test_nul_bytes_in_a_file_do_not_stop_it(tmp_path: Path, parser: Parser) -> None:
    path = tmp_path / "nul.ics"
    path.write_bytes(calendar_text(WEEKLY).replace("Leadership", "Lead\x00ership").encode())
    fetched = IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser).fetch(*WINDOW)
    assert {e.title for e in fetched.events} == {"Leadership team"}
