"""The fast iCalendar reader against the reference path, on the same files.

`IcsCalendarSource(parser="full")` is the reference: icalendar parses, recurring_ical_events
expands. The default reader must give exactly the same events and warnings, or decline and
let the reference read the file. Hand-written calendars pin the awkward cases; seeded random
calendars cover the combinations nobody would write by hand.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.domain.errors import CalendarUnavailable
from exec_assistant.ports import CalendarFetch

from factories import EXEC, NEW_YORK, NEW_YORK_VTIMEZONE, calendar_text, vevent

LONDON = ZoneInfo("Europe/London")
DECLINED = "calendar read in full"

LONDON_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/London
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
END:VTIMEZONE"""

WINDOWS = [
    # New York leaves daylight time on 1 Nov 2026, London on 25 Oct 2026.
    (datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)),
    # New York enters daylight time on 8 Mar 2026, London on 29 Mar 2026.
    (datetime(2026, 3, 1, 12, 30, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)),
    # As the sync passes it: `now` with a fixed offset, fourteen days ahead.
    (
        datetime.fromisoformat("2026-11-30T07:00:00-05:00"),
        datetime.fromisoformat("2026-12-14T07:00:00-05:00"),
    ),
    # A whole year, and a window in London time starting at midnight.
    (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
    (datetime(2026, 12, 1, tzinfo=LONDON), datetime(2026, 12, 3, tzinfo=LONDON)),
]


def fetch_both(
    path: Path,
    window: tuple[datetime, datetime],
    caplog: pytest.LogCaptureFixture,
    zone: ZoneInfo = NEW_YORK,
) -> tuple[CalendarFetch, CalendarFetch, list[str]]:
    """(fast, reference, reasons the fast reader declined)."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="exec_assistant.calendars.ics"):
        fast = IcsCalendarSource(str(path), default_zone=zone).fetch(*window)
    declined = [str(getattr(r, "reason", "")) for r in caplog.records if r.msg == DECLINED]
    full = IcsCalendarSource(str(path), default_zone=zone, parser="full").fetch(*window)
    return fast, full, declined


def assert_same(fast: CalendarFetch, full: CalendarFetch) -> None:
    assert (fast.calendar_id, fast.name) == (full.calendar_id, full.name)
    assert fast.warnings == full.warnings
    missing = Counter(full.events) - Counter(fast.events)
    extra = Counter(fast.events) - Counter(full.events)
    assert not missing and not extra, (
        f"{len(missing)} events only in the reference, {len(extra)} only in the fast reader:"
        f"\n  reference: {sorted(missing, key=repr)[:3]}\n  fast: {sorted(extra, key=repr)[:3]}"
    )


def write(tmp_path: Path, text: str, name: str = "calendar.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


# --------------------------------------------------------------------------------------------
# Hand-written cases
# --------------------------------------------------------------------------------------------

WINDOW = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
SERIES = vevent(
    "series@test",
    "Series",
    "20261019T100000",
    "20261019T110000",
    extra=["RRULE:FREQ=WEEKLY;COUNT=10"],
)


def override(start: str, end: str, original: str, *extra: str) -> str:
    return vevent(
        "series@test",
        "Series (changed)",
        start,
        end,
        extra=[f"RECURRENCE-ID;TZID=America/New_York:{original}", "SEQUENCE:1", *extra],
    )


CASES = {
    "an override moved into the window from outside it": (
        [SERIES, override("20261215T100000", "20261215T110000", "20261228T100000")],
        (datetime(2026, 12, 14, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC)),
    ),
    "an override moved out of the window": (
        [SERIES, override("20270105T100000", "20270105T110000", "20261102T100000")],
        (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)),
    ),
    "a cancelled override and an override for a slot the rule never had": (
        [
            SERIES,
            override("20261026T100000", "20261026T110000", "20261026T100000", "STATUS:CANCELLED"),
            override("20261027T100000", "20261027T110000", "20261027T100000"),
        ],
        WINDOW,
    ),
    "an override with a RECURRENCE-ID in UTC": (
        [
            SERIES,
            vevent(
                "series@test",
                "Series (utc id)",
                "20261110T090000",
                "20261110T093000",
                extra=["RECURRENCE-ID:20261109T150000Z"],
            ),
        ],
        WINDOW,
    ),
    "overrides that tie on SEQUENCE: the first one wins": (
        [
            SERIES,
            override("20261116T120000", "20261116T130000", "20261116T100000"),
            override("20261116T140000", "20261116T150000", "20261116T100000"),
        ],
        WINDOW,
    ),
    "EXDATEs on several lines, as a list, in UTC and as a DATE": (
        [
            vevent(
                "daily@test",
                "Daily",
                "20261101T083000",
                "20261101T090000",
                extra=[
                    "RRULE:FREQ=DAILY;COUNT=20",
                    "EXDATE;TZID=America/New_York:20261102T083000,20261103T083000",
                    "EXDATE:20261105T133000Z",
                    "EXDATE;VALUE=DATE:20261107",
                ],
            )
        ],
        WINDOW,
    ),
    "a floating EXDATE and a floating RECURRENCE-ID on a series with a TZID": (
        [
            vevent(
                "mixed@test",
                "Mixed",
                "20261101T083000",
                "20261101T090000",
                extra=["RRULE:FREQ=DAILY;COUNT=10", "EXDATE:20261103T083000"],
            ),
            vevent(
                "mixed@test",
                "Mixed (moved)",
                "20261105T120000",
                "20261105T123000",
                extra=["RECURRENCE-ID:20261105T083000"],
            ),
        ],
        WINDOW,
    ),
    "a rule whose UNTIL is before DTSTART": (
        [
            vevent(
                "until-before@test",
                "Never",
                "20261110T100000",
                "20261110T110000",
                extra=["RRULE:FREQ=DAILY;UNTIL=20261101T000000Z"],
            ),
            vevent(
                "until-before-dates@test",
                "Never all day",
                "20261110",
                "20261111",
                extra=["RRULE:FREQ=WEEKLY;UNTIL=20261101", "RDATE;VALUE=DATE:20261120"],
            ),
            SERIES,
        ],
        WINDOW,
    ),
    "RDATEs next to a rule": (
        [
            vevent(
                "rdate@test",
                "With extra dates",
                "20261101T083000",
                "20261101T090000",
                extra=[
                    "RRULE:FREQ=WEEKLY;COUNT=3",
                    "RDATE;TZID=America/New_York:20261104T120000,20261101T083000",
                ],
            )
        ],
        WINDOW,
    ),
    "UNTIL in local time with a TZID start (the expander repairs it)": (
        [
            vevent(
                "until@test",
                "Until local",
                "20261020T100000",
                "20261020T110000",
                extra=["RRULE:FREQ=WEEKLY;UNTIL=20261110T100000"],
            )
        ],
        WINDOW,
    ),
    "UNTIL as a date on a timed series, and as UTC": (
        [
            vevent(
                "until-date@test",
                "Until date",
                "20261020T100000",
                "20261020T110000",
                extra=["RRULE:FREQ=DAILY;UNTIL=20261025"],
            ),
            vevent(
                "until-utc@test",
                "Until utc",
                "20261020T100000",
                "20261020T110000",
                extra=["RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20261030T140000Z"],
            ),
        ],
        WINDOW,
    ),
    "events touching the window's edges, and zero-length ones": (
        [
            vevent("ends-at-start@test", "Ends at start", "20261130T200000", "20261201T000000"),
            vevent("starts-at-end@test", "Starts at end", "20261202T000000", "20261202T010000"),
            vevent("zero-in@test", "Zero inside", "20261201T120000", "20261201T120000"),
            vevent("zero-at-start@test", "Zero at start", "20261201T000000", None),
            vevent("zero-at-end@test", "Zero at end", "20261202T000000", None),
            vevent("day-before@test", "Day before", "20261130", "20261201"),
            vevent("day-of@test", "Day of", "20261201", None),
            vevent("day-after@test", "Day after", "20261202", "20261203"),
        ],
        (datetime(2026, 12, 1, tzinfo=NEW_YORK), datetime(2026, 12, 2, tzinfo=NEW_YORK)),
    ),
    "DURATION instead of DTEND, and an end before the start": (
        [
            vevent("duration@test", "Duration", "20261201T100000", None, extra=["DURATION:PT45M"]),
            vevent("day-duration@test", "Days", "20261201", None, extra=["DURATION:P2D"]),
            vevent("day-hours@test", "Day, hours", "20261203", None, extra=["DURATION:PT1H"]),
            vevent("day-and-a-half@test", "Day+", "20261204", None, extra=["DURATION:P1DT12H"]),
            vevent("backwards@test", "Backwards", "20261201T120000", "20261201T110000"),
        ],
        WINDOW,
    ),
    "a one-off given twice with the same UID: the higher SEQUENCE wins": (
        [
            vevent("twice@test", "First", "20261201T100000", "20261201T110000"),
            vevent(
                "twice@test", "Second", "20261202T100000", "20261202T110000", extra=["SEQUENCE:2"]
            ),
        ],
        WINDOW,
    ),
    "text escapes, quoted parameters, lower-case names and folded lines": (
        [
            "\n".join(
                [
                    "BEGIN:VEVENT",
                    "uid:escapes@test",
                    "dtstart;tzid=America/New_York:20261201T100000",
                    'DTEND;TZID="America/New_York":20261201T110000',
                    "SUMMARY:  Budget\\, plans\\; and \\\\ more\\nsecond line\\N third  ",
                    "DESCRIPTION;LANGUAGE=en:A long description that goes on and on so that it",
                    "  has to be folded onto a second line by anyone who writes it properly",
                    'LOCATION;ALTREP="http://example.com/room;4":Room 4\\, floor 2',
                    f'ORGANIZER;CN="Lee, Jordan":MAILTO:{EXEC}',
                    'ATTENDEE;CN="Raman, Priya";PARTSTAT=tentative:mailto:Priya@Northwind.example',
                    "ATTENDEE;CN=Sam^'s;PARTSTAT=DECLINED:mailto:sam@northwind.example",
                    'ATTENDEE;DELEGATED-TO="mailto:a@x.example","mailto:b@x.example":mailto:c@x'
                    ".example",
                    "ATTENDEE;CN= Spaced ;PARTSTAT=ACCEPTED:mailto:spaced@x.example",
                    "ATTENDEE;CN=:mailto:",
                    "X-CUSTOM;X-PARAM=1:whatever\\, really",
                    "CATEGORIES:Work,Plans",
                    "STATUS:confirmed",
                    "BEGIN:VALARM",
                    "ACTION:DISPLAY",
                    "TRIGGER:-PT15M",
                    "DESCRIPTION:Reminder",
                    "END:VALARM",
                    "END:VEVENT",
                ]
            )
        ],
        WINDOW,
    ),
    "a date start with a timed end, and ends in another zone": (
        [
            vevent("mixed@test", "Mixed", "20261201", "20261201T100000"),
            vevent(
                "zones@test",
                "Zones",
                "20261101T100000",
                None,
                tz="Europe/London",
                extra=[
                    "DTEND;TZID=America/New_York:20261101T100000",
                    "RRULE:FREQ=WEEKLY;COUNT=5",
                ],
            ),
        ],
        WINDOW,
    ),
    "a floating series whose EXDATE has a zone, and DATE RDATEs on a timed series": (
        [
            vevent(
                "floating@test",
                "Floating",
                "20261101T100000",
                "20261101T110000",
                tz=None,
                extra=["RRULE:FREQ=DAILY;COUNT=5", "EXDATE;TZID=Europe/London:20261103T100000"],
            ),
            vevent(
                "rdate-dates@test",
                "Dates",
                "20261101T100000",
                "20261101T110000",
                extra=["RDATE;VALUE=DATE:20261105,20261106"],
            ),
        ],
        WINDOW,
    ),
    "two RRULEs, a negative COUNT, and all-day series with UNTIL and EXDATE": (
        [
            vevent(
                "two-rules@test",
                "Two rules",
                "20261101T100000",
                "20261101T110000",
                extra=["RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=MONTHLY;COUNT=2;BYMONTHDAY=15"],
            ),
            vevent(
                "negative@test",
                "Negative count",
                "20261101T100000",
                "20261101T110000",
                extra=["RRULE:FREQ=DAILY;COUNT=-1;INTERVAL=2"],
            ),
            vevent(
                "all-day-until@test",
                "All-day until",
                "20261101",
                "20261102",
                extra=["RRULE:FREQ=DAILY;UNTIL=20261105T000000Z"],
            ),
            vevent(
                "all-day-exdate@test",
                "All-day exdate",
                "20261101",
                None,
                extra=["RRULE:FREQ=DAILY;COUNT=5", "EXDATE;VALUE=DATE:20261103"],
            ),
            vevent(
                "floating-until@test",
                "Floating until",
                "20261101T100000",
                "20261101T110000",
                tz=None,
                extra=["RRULE:FREQ=DAILY;UNTIL=20261105T100000Z"],
            ),
        ],
        WINDOW,
    ),
    "an all-day override, and an override without a DTSTART": (
        [
            vevent(
                "all-day@test",
                "All day",
                "20261101",
                "20261102",
                extra=["RRULE:FREQ=WEEKLY;COUNT=6"],
            ),
            vevent(
                "all-day@test",
                "All day (moved)",
                "20261110",
                "20261111",
                extra=["RECURRENCE-ID;VALUE=DATE:20261108"],
            ),
            SERIES,
            "BEGIN:VEVENT\nUID:series@test\nSUMMARY:No start"
            "\nRECURRENCE-ID;TZID=America/New_York:20261102T100000\nEND:VEVENT",
        ],
        WINDOW,
    ),
    "odd but valid lines: lower case, quoted colons, empty or parameterised values": (
        [
            "begin:vevent\nuid:lower@test\ndtstart:20261101T100000Z\nsummary:lower\nend:vevent",
            "BEGIN:VEVENT\nUID:quoted@test"
            '\nDTSTART;X-FOO="a:b";TZID=America/New_York:20261201T100000\nEND:VEVENT',
            "BEGIN:VEVENT\nUID:empty@test\nSUMMARY:\nDTSTART:20261201T100000Z"
            "\nSTATUS;X-A=1:cancelled\nORGANIZER:someone@x.example\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:x-component@test\nDTSTART;VALUE=DATE-TIME:20261101T100000Z"
            "\nDURATION:-PT1H\nBEGIN:X-FOO\nX-A:1\nFOO:bar\nEND:X-FOO\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:blank@test\nDTSTART:20261201T100000Z\nSUMMARY:Fol\n\n ded"
            "\nEND:VEVENT",
            vevent("uid\\,escaped@test", "Escaped uid", "20261101T100000", "20261101T110000"),
        ],
        WINDOW,
    ),
    "broken events are skipped with the reference's warnings": (
        [
            SERIES,
            vevent("bad-start@test", "Bad start", "2026120XT100000", "20261201T110000"),
            "BEGIN:VEVENT\nSUMMARY:No uid\nDTSTART:20261201T100000Z\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:no-start@test\nSUMMARY:No start\nEND:VEVENT",
            vevent(
                "bad-rule@test",
                "Bad rule",
                "20261201T100000",
                "20261201T110000",
                extra=["RRULE:FREQ=SOMETIMES"],
            ),
            vevent(
                "bad-exdate@test",
                "Bad exdate",
                "20261201T100000",
                "20261201T110000",
                extra=["RRULE:FREQ=DAILY;COUNT=3", "EXDATE:tomorrow"],
            ),
            vevent(
                "bad-end@test",
                "Bad end",
                "20261201T100000",
                "20261201T1100",
            ),
        ],
        WINDOW,
    ),
    "a series that the expander rejects is skipped with the reference's warning": (
        [
            SERIES,
            vevent(
                "until-bad@test",
                "Odd until",
                "20261201T100000",
                "20261201T110000",
                extra=["RRULE:FREQ=DAILY;UNTIL=20261210T1000"],
            ),
            vevent(
                "empty@test",
                "Never on the hour",
                "20261201T100000",
                "20261201T110000",
                extra=["RRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1"],
            ),
        ],
        WINDOW,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hand_written_cases_read_the_same(
    case: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events, window = CASES[case]
    fast, full, declined = fetch_both(write(tmp_path, calendar_text(*events)), window, caplog)
    assert_same(fast, full)
    assert full.events or full.warnings  # the case is not vacuous
    assert not declined, declined


def test_x_wr_timezone_moves_utc_and_floating_times_into_that_zone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = calendar_text(
        vevent("utc@test", "UTC one", "20261201T150000Z", "20261201T160000Z", tz=None),
        vevent("float@test", "Floating", "20261201T090000", "20261201T100000", tz=None),
        vevent(
            "float-series@test",
            "Floating series",
            "20261020T090000",
            "20261020T100000",
            tz=None,
            extra=["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20261027T090000"],
        ),
    ).replace("X-WR-CALNAME:", "X-WR-TIMEZONE:Europe/London\nX-WR-CALNAME:")
    fast, full, declined = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert {e.timezone for e in fast.events} == {"Europe/London"}
    assert not declined


def test_bytes_that_are_not_utf8_and_an_escaped_calendar_name_read_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = calendar_text(
        "BEGIN:VEVENT\nUID:latin@test\nDTSTART:20261201T100000Z\nSUMMARY:Caf\xe9\nEND:VEVENT",
        name="Team\\, calendar",
    )
    path = tmp_path / "latin1.ics"
    path.write_bytes(text.encode("latin-1"))
    fast, full, declined = fetch_both(path, WINDOW, caplog)
    assert_same(fast, full)
    assert fast.name == "Team\\, calendar"  # an X- property keeps its backslashes
    assert not declined


@pytest.mark.parametrize(
    ("event", "warning"),
    [
        (
            "BEGIN:VEVENT\nUID:twice@test\nSUMMARY:Twice\nDTSTART:20261201T100000Z"
            "\nDTSTART:20261202T100000Z\nEND:VEVENT",
            "skipped event 'Twice' (UID twice@test): DTSTART appears 2 times; "
            "an event has at most one",
        ),
        (
            "BEGIN:VEVENT\nUID:seq@test\nSEQUENCE:x\nDTSTART:20261201T100000Z\nEND:VEVENT",
            "skipped event (no title) (UID seq@test): "
            "SEQUENCE has a value that is not a whole number: 'x'",
        ),
        (
            "BEGIN:VEVENT\nUID:uids@test\nUID:other@test\nDTSTART:20261201T100000Z\nEND:VEVENT",
            "skipped event (no title) (UID uids@test): UID appears 2 times; "
            "an event has at most one",
        ),
    ],
)
def test_an_event_the_reference_skips_is_skipped_on_the_fast_path_too(
    event: str, warning: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fast, full, declined = fetch_both(write(tmp_path, calendar_text(SERIES, event)), WINDOW, caplog)
    assert_same(fast, full)
    assert full.warnings == [warning]
    assert not declined, declined


def test_many_broken_events_are_left_to_the_reference_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = [
        vevent(f"bad-{n}@test", f"Bad {n}", "2026120XT100000", "20261201T110000") for n in range(60)
    ]
    fast, full, declined = fetch_both(
        write(tmp_path, calendar_text(SERIES, *broken)), WINDOW, caplog
    )
    assert_same(fast, full)
    assert len(fast.warnings) == 60
    assert declined and "60 events" in declined[0]


def test_a_fault_in_the_fast_reader_costs_nothing_but_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exec_assistant.calendars.ics_fast.reader import Reader

    def broken_reader(self: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Reader, "read", broken_reader)
    fast, full, declined = fetch_both(write(tmp_path, calendar_text(SERIES)), WINDOW, caplog)
    assert_same(fast, full)
    assert declined == ["fast reader failed: a bug"]
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_bad_value_outside_the_events_fails_the_file_on_both_paths(tmp_path: Path) -> None:
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:soon\nEND:VALARM"
    path = write(tmp_path, calendar_text(SERIES.replace("END:VEVENT", alarm + "\nEND:VEVENT")))
    for parser in ("auto", "full"):
        source = IcsCalendarSource(str(path), default_zone=NEW_YORK, parser=parser)
        with pytest.raises(CalendarUnavailable, match=r"not valid iCalendar: .*soon"):
            source.fetch(*WINDOW)


@pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")
@pytest.mark.parametrize(
    ("tzid", "definition"),
    [
        ("Eastern Standard Time", None),  # a Windows name icalendar maps to America/New_York
        ("/citadel.org/20190914_1/America/New_York", None),  # a vendor prefix
        ("Custom/Office", NEW_YORK_VTIMEZONE.replace("America/New_York", "Custom/Office")),
    ],
)
def test_a_tzid_that_is_not_an_iana_name_falls_back_and_still_works(
    tzid: str, definition: str | None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events = [
        vevent(
            "odd-zone@test",
            "Odd zone",
            "20261019T100000",
            "20261019T110000",
            tz=tzid,
            extra=["RRULE:FREQ=WEEKLY;COUNT=4"],
        ),
        SERIES,
    ]
    if definition:
        events.insert(0, definition)
    fast, full, declined = fetch_both(write(tmp_path, calendar_text(*events)), WINDOW, caplog)
    assert_same(fast, full)
    assert declined and "not an IANA" in declined[0]
    odd = sorted((e for e in fast.events if e.uid == "odd-zone@test"), key=lambda e: e.start)
    assert [e.start for e in odd][:2] == [
        datetime(2026, 10, 19, 14, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 14, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("extra_lines", "reason"),
    [
        (["RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=America/New_York:20261026T100000"], "RANGE"),
        (
            ["RRULE:FREQ=WEEKLY;COUNT=3", "RDATE;VALUE=PERIOD:20261201T100000Z/PT1H"],
            "VALUE=PERIOD",
        ),
    ],
)
def test_what_the_fast_reader_does_not_support_goes_to_the_reference(
    extra_lines: list[str], reason: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    odd = vevent("odd@test", "Odd", "20261103T100000", "20261103T110000", extra=extra_lines)
    text = calendar_text(SERIES, odd)
    fast, full, declined = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert declined and reason in declined[0]


# --------------------------------------------------------------------------------------------
# A stream of several VCALENDAR objects (RFC 5545 §3.4)
# --------------------------------------------------------------------------------------------


def calendar_object(*events: str, header: tuple[str, ...] = (), zones: str = "") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//exec-assistant tests//EN", *header]
    return "\n".join([*lines, *([zones] if zones else []), *events, "END:VCALENDAR", ""])


def test_every_calendar_of_a_stream_is_read_with_its_own_name_and_zone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    floating = vevent("float@test", "Floating", "20261201T090000", "20261201T100000", tz=None)
    text = (
        calendar_object(SERIES, zones=NEW_YORK_VTIMEZONE)  # no name, no X-WR-TIMEZONE
        + calendar_object(
            floating.replace("float@test", "float-london@test"),
            vevent("bad@test", "Bad start", "2026120XT100000", "20261201T110000"),
            header=("X-WR-CALNAME:Second", "X-WR-TIMEZONE:Europe/London"),
        )
        + calendar_object(floating, header=("X-WR-CALNAME:Third",), zones=LONDON_VTIMEZONE)
    )
    fast, full, declined = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert not declined, declined
    assert fast.name == "Second"
    by_uid = {e.uid: e for e in fast.events}
    assert by_uid["float-london@test"].timezone == "Europe/London"
    assert by_uid["float-london@test"].start == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert by_uid["float@test"].timezone == "America/New_York"  # X-WR-TIMEZONE stays put
    assert len([e for e in fast.events if e.uid == "series@test"]) == 10
    assert fast.warnings == [
        "skipped event 'Bad start' (UID bad@test): "
        "DTSTART has a value that is not a date or time: '2026120XT100000'"
    ]


CUSTOM = "Customized Time Zone"  # what Outlook names a zone it defines itself


def custom_zone(offset: str) -> str:
    """A VTIMEZONE without daylight time, at a fixed offset such as -0500."""
    return "\n".join(
        [
            "BEGIN:VTIMEZONE",
            f"TZID:{CUSTOM}",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    )


def test_each_calendar_of_a_stream_uses_its_own_vtimezone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def at_nine(uid: str) -> str:
        return vevent(uid, uid, "20261201T090000", "20261201T100000", tz=CUSTOM)

    text = calendar_object(at_nine("minus-five"), zones=custom_zone("-0500")) + calendar_object(
        at_nine("plus-three"), zones=custom_zone("+0300")
    )
    fast, full, declined = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert declined  # a zone the file defines itself is the reference's to read
    starts = {e.uid: e.start for e in full.events}
    assert starts == {
        "minus-five": datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        "plus-three": datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
    }


def test_a_file_read_earlier_does_not_lend_its_vtimezone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    event = vevent("nine", "Nine", "20261201T090000", "20261201T100000", tz=CUSTOM)
    first = write(tmp_path, calendar_object(event, zones=custom_zone("-0800")), "first.ics")
    second = write(tmp_path, calendar_object(event, zones=custom_zone("+0100")), "second.ics")
    fetch_both(first, WINDOW, caplog)
    fast, full, _ = fetch_both(second, WINDOW, caplog)
    assert_same(fast, full)
    assert [e.start for e in full.events] == [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]


def test_a_series_the_expander_rejects_leaves_the_others_in_x_wr_timezone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    floating = vevent("float@test", "Floating", "20261201T090000", "20261201T100000", tz=None)
    rejected = vevent(
        "empty@test",
        "Never on the hour",
        "20261201T100000",
        "20261201T110000",
        extra=["RRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1"],  # dateutil: "an empty set"
    )
    text = calendar_text(floating, rejected).replace(
        "X-WR-CALNAME:", "X-WR-TIMEZONE:Europe/London\nX-WR-CALNAME:"
    )
    fast, full, declined = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert not declined, declined
    assert [(e.timezone, e.start.hour) for e in fast.events] == [("Europe/London", 9)]
    assert len(fast.warnings) == 1


def test_an_x_wr_timezone_that_is_not_a_zone_is_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    floating = vevent("float@test", "Floating", "20261201T090000", "20261201T100000", tz=None)
    text = calendar_text(floating).replace("X-WR-CALNAME:", "X-WR-TIMEZONE:Eastern\nX-WR-CALNAME:")
    fast, full, _ = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert [e.timezone for e in full.events] == ["America/New_York"]
    assert full.warnings == [
        "X-WR-TIMEZONE 'Eastern' is not a time zone; it is left out, and times without "
        "a zone are read as America/New_York time"
    ]


# --------------------------------------------------------------------------------------------
# Events without a UID
# --------------------------------------------------------------------------------------------

NO_UID_ONE_OFF = "BEGIN:VEVENT\nSUMMARY:Board sync\nDTSTART:20261201T150000Z\nEND:VEVENT"
NO_UID_SERIES = (
    "BEGIN:VEVENT\nSUMMARY:Standup\nDTSTART;TZID=America/New_York:20261102T093000"
    "\nDURATION:PT15M\nRRULE:FREQ=WEEKLY;COUNT=4\nORGANIZER:mailto:Lee@X.example\nEND:VEVENT"
)
NO_UID_OVERRIDE = (
    "BEGIN:VEVENT\nSUMMARY:Standup (moved)\nDTSTART;TZID=America/New_York:20261110T100000"
    "\nRECURRENCE-ID;TZID=America/New_York:20261109T093000\nEND:VEVENT"
)


def test_events_without_a_uid_get_the_same_derived_id_on_both_paths(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = calendar_text(SERIES, NO_UID_ONE_OFF, NO_UID_SERIES, NO_UID_OVERRIDE)
    fast, full, declined = fetch_both(write(tmp_path, text), WINDOW, caplog)
    assert_same(fast, full)
    assert not declined, declined
    derived = [e for e in fast.events if e.uid.startswith("no-uid-")]
    assert len({e.uid for e in derived}) == 2  # the one-off, and the series
    standups = [e for e in derived if e.title == "Standup"]
    assert len(standups) == 4 and all(e.recurrence_id for e in standups)
    assert fast.warnings == [
        "skipped event 'Standup (moved)' (no UID): it changes one occurrence of a series "
        "(RECURRENCE-ID) but has no UID, so the series it belongs to is unknown",
        "2 events have no UID; ids were derived from their start, title and organizer",
    ]


# --------------------------------------------------------------------------------------------
# Hostile events: every warning says what is wrong, in words, on both paths
# --------------------------------------------------------------------------------------------

PYTHON_INTERNALS = (
    "object",
    "instances of",
    "not supported between",
    "NoneType",
    "vText",
    "vBroken",
    "vRecur",
    "vDDD",
    "datetime.",
    "Traceback",
    "unhashable",
    "attribute",
    "argument",
    "__",
    "Expected",
    "Got:",
    "parameter is missing",
    "b'",
    "['",
    "[v",
    "[datetime",
)


def assert_human(messages: list[str]) -> None:
    for message in messages:
        found = [fragment for fragment in PYTHON_INTERNALS if fragment in message]
        assert not found, f"{message!r} shows {found}"


def hostile(uid: str, *lines: str, start: str = "DTSTART:20261201T150000Z") -> str:
    return "\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "SUMMARY:Board sync", start, *lines, "END:VEVENT"]
    )


HOSTILE = [
    hostile("dup-start", "DTSTART:20261202T100000Z"),
    hostile("start-list", start="DTSTART:20261201T100000Z,20261202T100000Z"),
    hostile("bad-month", start="DTSTART;VALUE=DATE:2026-13-45"),
    hostile("empty-start", start="DTSTART:"),
    hostile("period-start", start="DTSTART;VALUE=PERIOD:20261201T100000Z/PT1H"),
    hostile("time-start", start="DTSTART;VALUE=TIME:100000"),
    hostile("duration-start", start="DTSTART:PT1H"),
    hostile("zones-start", start="DTSTART;TZID=America/New_York,Europe/London:20261201T100000"),
    hostile("dup-end", "DTEND:20261201T160000Z", "DTEND:20261201T170000Z"),
    hostile("rule-garbage", "RRULE:garbage"),
    hostile("rule-empty", "RRULE:"),
    hostile("rule-no-freq", "RRULE:COUNT=3"),
    hostile("rule-freq", "RRULE:FREQ=SOMETIMES"),
    hostile("rule-day", "RRULE:FREQ=WEEKLY;BYDAY=XX"),
    hostile("rule-count", "RRULE:FREQ=WEEKLY;COUNT=abc"),
    hostile("rule-huge-count", "RRULE:FREQ=DAILY;COUNT=999999999"),
    hostile("rule-until", "RRULE:FREQ=DAILY;UNTIL=soon"),
    hostile("rule-setpos", "RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0"),
    hostile("rule-month", "RRULE:FREQ=YEARLY;BYMONTH=13"),
    hostile("rule-hour", "RRULE:FREQ=HOURLY;BYHOUR=25"),
    hostile("rule-never", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
    hostile("rule-week", "RRULE:FREQ=MONTHLY;BYDAY=0MO"),
    hostile("exdate-garbage", "RRULE:FREQ=DAILY;COUNT=5", "EXDATE:tomorrow"),
    hostile("exdate-date", "RRULE:FREQ=DAILY;COUNT=5", "EXDATE;VALUE=DATE:20261202"),
    hostile("exdate-floating", "RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20261202T150000"),
    hostile("exdate-zone", "RRULE:FREQ=DAILY;COUNT=5", "EXDATE;TZID=Asia/Tokyo:20261203T000000"),
    hostile("rdate-period", "RDATE;VALUE=PERIOD:20261205T100000Z/PT1H"),
    hostile("rdate-bad-period", "RDATE;VALUE=PERIOD:20261205T100000Z/garbage"),
    hostile("rdate-garbage", "RDATE:garbage"),
    hostile("date-and-time", "DTEND:20261201T160000Z", start="DTSTART;VALUE=DATE:20261201"),
    hostile(
        "unknown-zone", "RRULE:FREQ=DAILY;COUNT=3", start="DTSTART;TZID=Mars/Base:20261201T090000"
    ),
    hostile("duration-garbage", "DURATION:long"),
    hostile("duration-huge", "DURATION:P99999999999D"),
    hostile("year-9999", "DURATION:P2D", start="DTSTART:99991231T230000Z"),
    hostile("year-1", "RRULE:FREQ=WEEKLY", start="DTSTART:00010101T100000"),
    hostile("rid-garbage", "RECURRENCE-ID:garbage"),
    hostile(
        "flood",
        "DTEND:20261130T000000",
        "RRULE:FREQ=DAILY",
        start="DTSTART:19000101T000000",
    ),
    hostile("flood-duration", "DURATION:P367D", "RRULE:FREQ=HOURLY"),
    hostile("year-long", "DURATION:P366D", "RRULE:FREQ=YEARLY"),
    hostile(
        "year-9999-long", "DURATION:P400D", "RRULE:FREQ=DAILY", start="DTSTART:99991230T000000Z"
    ),
    hostile("dup-uid", "UID:other"),
    hostile("seq-garbage", "SEQUENCE:x"),
    hostile("seq-twice", "SEQUENCE:1", "SEQUENCE:2"),
    hostile("summary-twice", "SUMMARY:Other"),
    hostile("organizer-twice", "ORGANIZER:mailto:a@x.example", "ORGANIZER:mailto:b@x.example"),
    hostile("cn-list", "ATTENDEE;CN=Lee, Jordan:mailto:lee@x.example"),
    hostile("no-colon", "this line has no colon"),
    "BEGIN:VEVENT\nSUMMARY:No start\nEND:VEVENT",
]


@pytest.mark.parametrize("event", HOSTILE, ids=[e.split("\n")[1] for e in HOSTILE])
def test_a_hostile_event_reads_the_same_and_is_reported_in_words(
    event: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fast, full, _ = fetch_both(write(tmp_path, calendar_text(SERIES, event)), WINDOW, caplog)
    assert_same(fast, full)
    assert_human(full.warnings)
    assert len([e for e in full.events if e.uid == "series@test"]) == 10  # the rest is read
    for e in full.events:
        assert_human([e.title, *(a.name or "" for a in e.attendees)])


def test_all_hostile_events_in_one_file_read_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fast, full, _ = fetch_both(write(tmp_path, calendar_text(SERIES, *HOSTILE)), WINDOW, caplog)
    assert_same(fast, full)
    assert_human(full.warnings)
    assert len(full.warnings) > 30


# --------------------------------------------------------------------------------------------
# Content lines: the fast splitter against icalendar's, on lines built to be awkward
# --------------------------------------------------------------------------------------------

PIECES = [
    "ATTENDEE",
    "attendee",
    "DTSTART",
    "X-FOO",
    "CN",
    "cn",
    "PARTSTAT",
    "TZID",
    "=",
    ";",
    ":",
    ",",
    '"',
    " ",
    "\t",
    "\\",
    "\\n",
    "\\,",
    "^",
    "^n",
    "^'",
    "%2C",
    "%25",
    "a",
    "Zoë",
    "mailto:x@y.example",
    "Lee, Jordan",
    "America/New_York",
    "20261201T100000",
    "é",
    "\x01",
]


def random_line(rng: random.Random) -> str:
    if rng.random() < 0.5:  # mostly well-formed, with awkward values
        params = "".join(
            f";{rng.choice(['CN', 'cn', 'X-A', 'PARTSTAT', 'TZID', 'A B'])}="
            + rng.choice(
                [
                    "".join(rng.choice(PIECES[8:]) for _ in range(rng.randint(0, 4))),
                    "".join(
                        rng.choice(["a", " ", "=", "é", "-"]) for _ in range(rng.randint(1, 5))
                    ),
                    '"' + "".join(rng.choice(PIECES[8:]) for _ in range(rng.randint(0, 4))) + '"',
                ]
            )
            for _ in range(rng.randint(0, 3))
        )
        value = "".join(rng.choice(PIECES[8:]) for _ in range(rng.randint(0, 5)))
        return rng.choice(["ATTENDEE", "dtstart", "X-WR-CALNAME", "Summary"]) + params + ":" + value
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))


def test_content_lines_split_as_icalendar_splits_them() -> None:
    from icalendar.parser import Contentline

    from exec_assistant.calendars.ics_fast.lines import BadLine, parse_line

    rng = random.Random(5545)
    fast_path = 0
    for _ in range(20_000):
        line = random_line(rng)
        try:
            name, params, raw = Contentline(line).raw_parts()
            expected: tuple[object, ...] | None = (
                name.upper(),
                {k.upper(): v for k, v in params.items()},
                raw,
                Contentline(line).parts()[2],
            )
        except (ValueError, AssertionError):
            expected = None
        try:
            got = parse_line(line)
            actual: tuple[object, ...] | None = (got.name, got.params, got.raw, got.value)
        except BadLine:
            actual = None
        assert actual == expected, line
        fast_path += expected is not None
    assert fast_path > 5_000


def test_dates_times_and_durations_read_as_icalendar_reads_them() -> None:
    from icalendar.prop import vDDDTypes

    from exec_assistant.calendars.ics_fast.lines import Line
    from exec_assistant.calendars.ics_fast.values import instant_value, read_duration

    rng = random.Random(3)
    alphabet = "0123456789TZPWDHMS-+ :/"
    texts = ["20261201", "20261201T100000", "20261201T100000Z", "20260229", "20261301"]
    texts += ["20261201T250000", "2026120XT100000", "P1D", "PT0S", "P", "-PT15M", "P1W2D"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 17))) for _ in range(5000)]
    for text in texts:
        for zone in (None, NEW_YORK):
            try:
                expected = vDDDTypes.from_ical(text, timezone=zone.key if zone else None)
            except Exception:
                expected = "error"
            try:
                got = instant_value(text, zone)
            except Exception:  # a date with a zone: the fast reader declines the file
                continue
            if got is not None:  # where the fast reader reads a value, it is icalendar's
                assert (got, type(got), getattr(got, "tzinfo", None)) == (
                    expected,
                    type(expected),
                    getattr(expected, "tzinfo", None),
                ), text
        duration = read_duration(Line("DURATION", {}, text))
        if duration is not None:
            assert duration == vDDDTypes.from_ical(text), text


# --------------------------------------------------------------------------------------------
# Seeded random calendars
# --------------------------------------------------------------------------------------------

STYLES = ("new_york", "new_york", "london", "utc", "floating", "all_day")
NAMES = ("Priya Raman", "Lee, Jordan", "Sam O'Neil", "Zoë Müller", "Dev Kapoor", "Ana")
TITLES = (
    "1:1 Jordan / Priya",
    "Leadership team",
    "Q4 QBR",
    "Standup",
    "Budget\\, plans\\; more",
    "Post-incident review",
    "Lunch",
)


def _fold(line: str) -> str:
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 74:
            out.append(current)
            current = " "
        current += char
    out.append(current)
    return "\r\n".join(out)


class RandomCalendar:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.blocks: list[list[str]] = []
        self.uids = 0

    def stamp(self, style: str, value: datetime | date, name: str) -> str:
        if style == "all_day" or not isinstance(value, datetime):
            return f"{name};VALUE=DATE:{value:%Y%m%d}"
        if style == "utc":
            return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        if style == "floating":
            return f"{name}:{value:%Y%m%dT%H%M%S}"
        zone = "Europe/London" if style == "london" else "America/New_York"
        return f"{name};TZID={zone}:{value:%Y%m%dT%H%M%S}"

    def first_start(self, style: str) -> datetime:
        rng = self.rng
        day = date(2025, 11, 1) + timedelta(days=rng.randint(0, 460))
        if rng.random() < 0.15:  # right on a DST change
            day = rng.choice(
                [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]
            )
        hour = rng.choice([0, 1, 2, 3, 8, 9, 10, 12, 15, 18, 22, 23])
        zone = {"new_york": NEW_YORK, "london": LONDON, "utc": UTC}.get(style)
        return datetime(day.year, day.month, day.day, hour, rng.choice([0, 15, 30]), tzinfo=zone)

    def people(self) -> list[str]:
        rng = self.rng
        lines = [f"ORGANIZER;CN=Jordan Lee:mailto:{EXEC}"]
        for name in rng.sample(NAMES, rng.randint(0, 4)):
            cn = f'"{name}"' if "," in name or rng.random() < 0.3 else name
            partstat = rng.choice(["ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION", None])
            params = f";CN={cn}" + (f";PARTSTAT={partstat}" if partstat else "")
            address = name.split(",")[0].lower().replace(" ", ".").replace("'", "")
            lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT{params}:mailto:{address}@x.example")
        return lines

    def event(
        self,
        uid: str | None,
        style: str,
        start: datetime,
        length: timedelta,
        extra: list[str],
        title: str | None = None,
    ) -> None:
        rng = self.rng
        lines = ["BEGIN:VEVENT", "DTSTAMP:20261101T000000Z"]
        if uid is not None:
            lines.insert(1, f"UID:{uid}")
        if style == "all_day":
            lines.append(self.stamp(style, start.date(), "DTSTART"))
            days = max(1, length.days)
            if rng.random() < 0.8:
                lines.append(self.stamp(style, start.date() + timedelta(days=days), "DTEND"))
        else:
            lines.append(self.stamp(style, start, "DTSTART"))
            if rng.random() < 0.2:
                lines.append(f"DURATION:PT{int(length.total_seconds() // 60)}M")
            elif rng.random() < 0.95:
                lines.append(self.stamp(style, start + length, "DTEND"))
        lines.append(f"SUMMARY:{title or rng.choice(TITLES)}")
        if rng.random() < 0.3:
            lines.append("DESCRIPTION:Agenda\\nNumbers\\, people")
        lines += self.people()
        lines += extra
        if rng.random() < 0.2:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT10M", "END:VALARM"]
        lines.append("END:VEVENT")
        self.blocks.append(lines)

    def series(self) -> None:
        rng = self.rng
        self.uids += 1
        uid = f"series-{self.uids}@random"
        style = rng.choice(STYLES)
        start = self.first_start(style)
        length = (
            timedelta(days=rng.randint(1, 2))
            if style == "all_day"
            else timedelta(minutes=rng.choice([0, 15, 30, 60, 90, 1500]))
        )
        freq = rng.choice(["DAILY", "WEEKLY", "WEEKLY", "MONTHLY"])
        interval = rng.choice([1, 1, 1, 2, 3])
        rule = f"FREQ={freq}"
        if interval > 1:
            rule += f";INTERVAL={interval}"
        if freq == "WEEKLY" and rng.random() < 0.6:
            days = rng.sample(["MO", "TU", "WE", "TH", "FR", "SA", "SU"], rng.randint(1, 3))
            rule += ";BYDAY=" + ",".join(days)
            if rng.random() < 0.2:
                rule += ";WKST=SU"
        if freq == "DAILY" and rng.random() < 0.4:
            rule += ";BYDAY=MO,TU,WE,TH,FR"
        if freq == "MONTHLY" and rng.random() < 0.5:
            rule += rng.choice([";BYDAY=1MO", ";BYDAY=-1FR", ";BYMONTHDAY=15", ";BYMONTHDAY=-1"])
        end_kind = rng.choice(["none", "none", "count", "until_utc", "until_local", "until_date"])
        until = start + timedelta(days=rng.randint(20, 400))
        if end_kind == "count":
            rule += f";COUNT={rng.randint(1, 60)}"
        elif end_kind == "until_utc":
            rule += f";UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        elif end_kind == "until_local" or (end_kind == "until_date" and style != "all_day"):
            rule += (
                f";UNTIL={until:%Y%m%dT%H%M%S}"
                if end_kind == "until_local"
                else (f";UNTIL={until:%Y%m%d}")
            )
        elif end_kind == "until_date":
            rule += f";UNTIL={until:%Y%m%d}"
        step = {"DAILY": timedelta(days=interval), "WEEKLY": timedelta(weeks=interval)}.get(freq)
        slots = [start + step * k for k in range(1, 80)] if step else []
        extra = [f"RRULE:{rule}"]
        if slots and rng.random() < 0.4:
            excluded = rng.sample(slots, rng.randint(1, 4))
            if rng.random() < 0.5:
                extra.append(
                    self.stamp(style, excluded[0], "EXDATE")
                    + "".join(
                        "," + self.stamp(style, e, "EXDATE").rpartition(":")[2]
                        for e in excluded[1:]
                    )
                )
            else:
                extra += [self.stamp(style, e, "EXDATE") for e in excluded]
            if style in ("new_york", "london") and rng.random() < 0.3:
                extra.append(self.stamp("utc", rng.choice(slots), "EXDATE"))
        if rng.random() < 0.1:
            extra.append(self.stamp(style, start + timedelta(days=rng.randint(1, 300)), "RDATE"))
        if rng.random() < 0.2:
            extra.append(f"SEQUENCE:{rng.randint(0, 2)}")
        self.event(uid, style, start, length, extra)
        for _ in range(rng.choice([0, 0, 1, 2, 3]) if slots else 0):
            original = rng.choice(slots)
            moved = original + rng.choice(
                [timedelta(0), timedelta(hours=2), timedelta(days=-1), timedelta(days=20)]
            )
            rid = self.stamp(style, original, "RECURRENCE-ID")
            if style in ("new_york", "london") and rng.random() < 0.3:
                rid = self.stamp("utc", original, "RECURRENCE-ID")
            changes = [rid, f"SEQUENCE:{rng.randint(0, 3)}"]
            if rng.random() < 0.35:
                changes.append("STATUS:CANCELLED")
            self.event(uid, style, moved, length, changes, title="Moved or cancelled")

    def one_off(self) -> None:
        rng = self.rng
        self.uids += 1
        style = rng.choice(STYLES)
        start = self.first_start(style)
        length = (
            timedelta(days=rng.randint(1, 3))
            if style == "all_day"
            else timedelta(minutes=rng.choice([0, 30, 60, 600]))
        )
        extra = ["STATUS:CANCELLED"] if rng.random() < 0.05 else []
        uid = f"one-{self.uids}@random" if rng.random() < 0.95 else None  # some have none
        self.event(uid, style, start, length, extra)

    def broken(self) -> None:
        self.uids += 1
        uid = f"broken-{self.uids}@random"
        self.blocks.append(
            self.rng.choice(
                [
                    [
                        "BEGIN:VEVENT",
                        f"UID:{uid}",
                        "SUMMARY:Bad",
                        "DTSTART:2026130XT1000",
                        "END:VEVENT",
                    ],
                    ["BEGIN:VEVENT", "SUMMARY:No uid", "DTSTART:20261201T100000Z", "END:VEVENT"],
                    [
                        "BEGIN:VEVENT",
                        f"UID:{uid}",
                        "DTSTART:20261201T100000Z",
                        "RRULE:FREQ=FORTNIGHTLY",
                        "END:VEVENT",
                    ],
                ]
            )
        )

    def text(self, events: int) -> str:
        return self.stream(events, objects=1)

    def stream(self, events: int, objects: int) -> str:
        """The events spread over several VCALENDAR objects in one file (RFC 5545 §3.4);
        the first has no name, and the last moves floating times into Europe/London."""
        for _ in range(events):
            roll = self.rng.random()
            if roll < 0.55:
                self.series()
            elif roll < 0.98:
                self.one_off()
            else:
                self.broken()
        lines: list[str] = []
        share = -(-len(self.blocks) // objects)
        for number in range(objects):
            lines += ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//random//EN"]
            if objects == 1 or number > 0:
                lines.append(f"X-WR-CALNAME:Random {number}" if number else "X-WR-CALNAME:Random")
            if objects > 1 and number == objects - 1:
                lines.append("X-WR-TIMEZONE:Europe/London")
            lines += NEW_YORK_VTIMEZONE.splitlines() + LONDON_VTIMEZONE.splitlines()
            for block in self.blocks[number * share : (number + 1) * share]:
                lines += block
            lines.append("END:VCALENDAR")
        return "\r\n".join(_fold(line) for line in lines) + "\r\n"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_random_calendars_read_the_same_in_every_window(
    seed: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, RandomCalendar(seed).text(events=200))
    zone = LONDON if seed % 3 == 0 else NEW_YORK  # the executive's zone, for floating times
    seen = 0
    for window in WINDOWS:
        fast, full, declined = fetch_both(path, window, caplog, zone)
        assert not declined, declined
        assert_same(fast, full)
        seen += len(full.events)
    assert seen > 200  # the windows do hold events


def test_a_random_calendar_with_x_wr_timezone_reads_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = (
        RandomCalendar(7)
        .text(events=200)
        .replace("X-WR-CALNAME:", "X-WR-TIMEZONE:America/New_York\r\nX-WR-CALNAME:")
    )
    path = write(tmp_path, text)
    for window in WINDOWS[:3]:
        fast, full, declined = fetch_both(path, window, caplog, LONDON)
        assert not declined, declined
        assert_same(fast, full)


@pytest.mark.parametrize("seed", [11, 12])
def test_a_random_stream_of_several_calendars_reads_the_same(
    seed: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, RandomCalendar(seed).stream(events=200, objects=3))
    for window in WINDOWS[:3]:
        fast, full, declined = fetch_both(path, window, caplog)
        assert not declined, declined
        assert_same(fast, full)
        assert fast.name == "Random 1"  # the first object with a name
        assert {e.timezone for e in fast.events} >= {"America/New_York", "Europe/London"}


def test_the_fast_reader_keeps_wall_clock_time_across_dst(tmp_path: Path) -> None:
    weekly = vevent(
        "dst@test",
        "Weekly at ten",
        "20250106T100000",  # begun long before the window: the rule is started nearer to it
        "20250106T110000",
        extra=["RRULE:FREQ=WEEKLY;BYDAY=MO"],
    )
    path = write(tmp_path, calendar_text(weekly))
    events = IcsCalendarSource(str(path), default_zone=NEW_YORK).fetch(*WINDOWS[0]).events
    local = sorted(e.start.astimezone(NEW_YORK) for e in events)
    assert [t.date() for t in local] == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)]
    assert {(t.hour, t.minute) for t in local} == {(10, 0)}
    assert {t.utcoffset() for t in local} == {
        timedelta(hours=-4),
        timedelta(hours=-5),
    }
