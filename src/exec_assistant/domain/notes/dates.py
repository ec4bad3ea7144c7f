"""Due dates as notes write them ("by Friday", "12/5", "EOW", "in May"), counted from the meeting.

A date is taken only when it is unambiguous; "soon", "next week", "Q1" and a bare "May" give
none, because a made-up deadline is worse than a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from exec_assistant.domain.notes.model import words

__all__ = ["MONTHS", "due_from_text", "match_date", "resolve_due"]

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNTS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10}
# A yearless date this far before the meeting is read as next year's ("1/15" in late November).
_PAST_WINDOW = timedelta(days=60)
_FRIDAY = 4


def _alternation(names: dict[str, int]) -> str:
    # Longest first, so "tuesday" is not cut short at "tue".
    return "|".join(sorted(names, key=len, reverse=True))


_END = r"(?![\w/-])"
_MONTH = rf"(?P<month>{_alternation(MONTHS)})\.?"
_WEEKDAY = rf"(?P<weekday>{_alternation(_WEEKDAYS)})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
# "Tue, Dec 8": when a weekday and a date are both given, the date is the precise one.
_LEADING_WEEKDAY = rf"(?:(?:{_alternation(_WEEKDAYS)})\.?,?\s+)?"
_IN_COUNT = rf"in\s+(?P<count>\d+|{_alternation(_COUNTS)})\s+(?P<unit>days?|weeks?)"
_IN_MONTH = rf"in\s+{_MONTH}{_YEAR}"
_END_OF_MONTH_NAMED = rf"(?:the\s+)?end\s+of\s+{_MONTH}{_YEAR}"


def _unnamed(pattern: str) -> str:
    """The pattern without its group names, to be combined with others in one pattern."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _in_year(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _near_meeting(month: int, day: int, meeting: date) -> date | None:
    candidate = _in_year(meeting.year, month, day)
    if candidate is not None and candidate < meeting - _PAST_WINDOW:
        return _in_year(meeting.year + 1, month, day)
    return candidate


def _dated(month: int, day: int, year: str | None, meeting: date) -> date | None:
    if year is None:
        return _near_meeting(month, day, meeting)
    return _in_year(int(year) + (2000 if len(year) == 2 else 0), month, day)


def _iso(match: re.Match[str], meeting: date) -> date | None:
    return _in_year(int(match["year"]), int(match["month"]), int(match["day"]))


def _numeric(match: re.Match[str], meeting: date) -> date | None:
    return _dated(int(match["month"]), int(match["day"]), match["year"], meeting)


def _named(match: re.Match[str], meeting: date) -> date | None:
    return _dated(MONTHS[match["month"].lower()], int(match["day"]), match["year"], meeting)


def _after(match: re.Match[str], meeting: date) -> date | None:
    count = match["count"].lower()
    days = int(count) if count.isdigit() else _COUNTS[count]
    return meeting + timedelta(days=days * (7 if match["unit"].lower().startswith("w") else 1))


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _next_week(match: re.Match[str], meeting: date) -> date | None:
    return _monday_of(meeting) + timedelta(days=7 + _WEEKDAYS[match["weekday"].lower()])


def _this_week(match: re.Match[str], meeting: date) -> date | None:
    day = _monday_of(meeting) + timedelta(days=_WEEKDAYS[match["weekday"].lower()])
    # "this Monday" said on a Wednesday has already gone; which one was meant is a guess.
    return day if day >= meeting else None


def _weekday(match: re.Match[str], meeting: date) -> date | None:
    ahead = (_WEEKDAYS[match["weekday"].lower()] - meeting.weekday()) % 7
    return meeting + timedelta(days=ahead or 7)


def _end_of_week(match: re.Match[str], meeting: date) -> date | None:
    friday = _monday_of(meeting) + timedelta(days=_FRIDAY)
    return friday if meeting <= friday else friday + timedelta(days=7)


def _last_day(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _end_of_month(match: re.Match[str], meeting: date) -> date | None:
    return _last_day(meeting.year, meeting.month)


def _named_month(match: re.Match[str], meeting: date) -> date | None:
    """The last day of a month named without a day: "in May", "end of May", "in May 2027".

    Work due "in May" is on time until May is over, so its due date is May 31, not May 1.
    A month without a year is the next one that has not ended: "in May" at a December
    meeting is next year's May; "in December" at a December meeting is this December.
    """
    month = MONTHS[match["month"].lower()]
    if match["year"] is not None:
        return _last_day(int(match["year"]), month)
    return _last_day(meeting.year + (month < meeting.month), month)


def _today(match: re.Match[str], meeting: date) -> date | None:
    return meeting


def _tomorrow(match: re.Match[str], meeting: date) -> date | None:
    return meeting + timedelta(days=1)


_Resolver = Callable[[re.Match[str], date], date | None]
_DATE_PATTERNS: tuple[tuple[str, _Resolver], ...] = (
    (
        rf"{_LEADING_WEEKDAY}(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}}){_END}",
        _iso,
    ),
    (
        rf"{_LEADING_WEEKDAY}(?P<month>\d{{1,2}})/(?P<day>\d{{1,2}})"
        rf"(?:/(?P<year>\d{{4}}|\d{{2}}))?{_END}",
        _numeric,
    ),
    (rf"{_LEADING_WEEKDAY}{_MONTH}\s+{_DAY}{_YEAR}{_END}", _named),
    (rf"{_LEADING_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}{_END}", _named),
    (rf"{_IN_COUNT}{_END}", _after),
    (rf"{_IN_MONTH}{_END}", _named_month),
    (rf"{_END_OF_MONTH_NAMED}{_END}", _named_month),
    (rf"next\s+{_WEEKDAY}{_END}", _next_week),
    (rf"this\s+{_WEEKDAY}{_END}", _this_week),
    (rf"{_WEEKDAY}{_END}", _weekday),
    (rf"(?:eow|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week){_END}", _end_of_week),
    (rf"(?:eom|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month){_END}", _end_of_month),
    (rf"(?:eod|cob|(?:the\s+)?end\s+of\s+(?:the\s+)?day|today|tonight){_END}", _today),
    (rf"(?:eod\s+)?tomorrow{_END}", _tomorrow),
)
_DATE_FORMS = tuple((re.compile(p, re.IGNORECASE), resolver) for p, resolver in _DATE_PATTERNS)
# Every form at once: one call tells whether any date starts at a position, so a long line
# with many "by"s costs one regex call per "by" rather than one per form.
_ANY_DATE = re.compile("|".join(_unnamed(p) for p, _ in _DATE_PATTERNS), re.IGNORECASE)


def match_date(text: str, meeting: date, start: int = 0) -> tuple[date, int] | None:
    """The date written at `start` in `text`, and the index where it ends."""
    if _ANY_DATE.match(text, start) is None:
        return None
    for pattern, resolver in _DATE_FORMS:
        # match(text, start) rather than a slice: a long line with many "by"s would
        # otherwise be copied once per "by".
        match = pattern.match(text, start)
        if match is None:
            continue
        resolved = resolver(match, meeting)
        if resolved is not None:
            return resolved, match.end()
    return None


_DUE_LEAD = re.compile(
    r"^(?:by|before|on|no\s+later\s+than|due(?:\s*:|\s+by|\s+on)?)\s+", re.IGNORECASE
)


def resolve_due(phrase: str, meeting_date: date) -> date | None:
    """The date a due phrase means, counted from the meeting; None unless it is unambiguous."""
    cleaned = _DUE_LEAD.sub("", phrase.strip()).strip(" \t.,;:!()")
    found = match_date(cleaned, meeting_date)
    if found is None or found[1] != len(cleaned):
        return None
    return found[0]


_THE = r"the\s+"
_EVENT_ON = r"the\s+[^.;,()]{1,60}?\s+on\s+"
# A connector is only worth a closer look when a date, "the <date>" or "the <event> on <date>"
# follows it: the lookahead skips the other "by"s of a long line without leaving the regex.
_DUE_CONNECTOR = re.compile(
    r"\b(?:by|before|no\s+later\s+than|due(?:\s*:|\s+by|\s+on)?)\s+"
    rf"(?=(?:{_THE}|{_EVENT_ON})?(?:{_ANY_DATE.pattern}))",
    re.IGNORECASE,
)
_THE_AT = re.compile(_THE, re.IGNORECASE)
_EVENT_ON_AT = re.compile(_EVENT_ON, re.IGNORECASE)
_WORD_FOLLOWS = re.compile(r"\s+\w")
# The lookbehind (not a "[\s,(]+" prefix) keeps the search linear on a long run of spaces.
_TRAILING_DEADLINE = re.compile(
    r"(?:^|(?<=[\s,(]))(?:"
    r"(?P<when>eod|eow|eom|cob|today|tomorrow|"
    r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:day|week|month))"
    rf"|(?P<period>{_unnamed(_IN_COUNT)}|{_unnamed(_IN_MONTH)}|{_unnamed(_END_OF_MONTH_NAMED)})"
    r")\)?[\s.!]*$",
    re.IGNORECASE,
)
_SPACE_COMMA_PAREN = " \t\n\r\f\v\u00a0,("
_PREPOSITIONS = words("to with for from cc and by of at since until in on")
# Words before "in May" that make it the date of something else: "the deal signed in May",
# "the split starting in January".
_NOT_BEFORE_A_DEADLINE = words(
    """since from until through after last was were is are been be had did saw
    starting beginning effective"""
)


def _deadline_at(text: str, start: int, meeting: date) -> tuple[date, int, bool] | None:
    """(due, end, keep words) for the deadline right after a "by"/"before" at `start`.

    "before the Dec 7 budget check-in" and "before the check-in on Dec 7" name an event
    that dates the work; its words stay in the text, since they say what the date is for.
    """
    direct = match_date(text, meeting, start)
    if direct:
        return direct[0], direct[1], False
    the = _THE_AT.match(text, start)
    if the and (dated := match_date(text, meeting, the.end())):
        end = dated[1]
        return dated[0], end, bool(_WORD_FOLLOWS.match(text, end))
    event = _EVENT_ON_AT.match(text, start)
    if event and (dated := match_date(text, meeting, event.end())):
        return dated[0], dated[1], True
    return None


def _last_word(text: str) -> str:
    # rsplit with a limit reads from the end only: the text may be a whole paragraph.
    words = text.rsplit(None, 1)
    return words[-1].lower() if words else ""


def _dates_something_else(text_before: str) -> bool:
    word = _last_word(text_before)
    return word in _NOT_BEFORE_A_DEADLINE or (len(word) > 3 and word.endswith("ed"))


def due_from_text(text: str, meeting: date) -> tuple[str, date | None]:
    """The text without its deadline, and the deadline's date.

    A deadline follows "by", "before", "no later than" or "due" anywhere ("send the rota by
    Friday so the team can review it"), or ends the text: "EOW", "tomorrow", "in two weeks",
    "in May" (the 31st), "end of May". "the notes from today" dates the notes, "the deal
    signed in May" the deal and "a new rota starting in January" the rota: none is a deadline.
    """
    for connector in _DUE_CONNECTOR.finditer(text):
        found = _deadline_at(text, connector.end(), meeting)
        if found:
            due, end, keep = found
            return (text if keep else text[: connector.start()] + text[end:]), due
    trailing = _TRAILING_DEADLINE.search(text)
    if trailing is None:
        return text, None
    before = text[: trailing.start()].rstrip(_SPACE_COMMA_PAREN)
    if _last_word(before) in _PREPOSITIONS:
        return text, None
    if trailing["period"] is not None and _dates_something_else(before):
        return text, None
    resolved = resolve_due(trailing["when"] or trailing["period"], meeting)
    return (before if resolved else text), resolved
