"""Checks on a model's prep pack before it is used: it must be as trustworthy as the offline one.

- The agenda's minutes sum to the meeting's length, every box at least a minute.
- Every section of the type's template is there, or its omission is explained.
- Nobody is named who is not invited (a known person, by full name or email).
- Every figure (money, percentages, counts, multiples, both ends of a range, dates written
  with words, dashes, slashes or dots) is in what the model was given: the context, the
  answers, the open items, the meeting and its template. A figure may be rounded as
  written: "$1.2M" stands for anything from $1.15M to $1.25M.

Names are compared as a reader sees them: whatever spaces, line breaks or letter forms
(full-width, mathematical) stand between or in them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from exec_assistant.domain.meeting_types import MeetingType
from exec_assistant.domain.notes.dates import MONTHS

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DATE_PATTERNS = (
    re.compile(r"\b(?P<year>\d{4})[-/](?P<mon>\d{1,2})[-/](?P<day>\d{1,2})\b"),
    re.compile(rf"\b{_DAY}\s+{_MONTH}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b", re.IGNORECASE),
)
# Day and month in either order ("19/12/2026", "12/19/2026", "19.12.2026"): with a year, or
# after a word that introduces a date ("by 19/12"); "24/7" and "3/4 of the team" are not.
_NUMERIC_DATES = (
    re.compile(r"(?<![\w./])(?P<a>\d{1,2})([/.])(?P<b>\d{1,2})\2(?:\d{4}|\d{2})(?![\w/]|\.\d)"),
    re.compile(
        r"\b(?:by|on|due|until|till|before|after|from|since|starting|ending|through)\s+"
        r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\w/]|\.\d)",
        re.IGNORECASE,
    ),
)
# A minus sign or a range's dash before a number that stands alone ("-40", "40-50"), but
# not the dash of an id ("INC-2291", "BR-3"): read as a space, so the number is a figure.
_DASHES = "\\-\u2012\u2013\u2014\u2015\u2212"
_SIGN = re.compile(rf"(?<![\w.:/#{_DASHES}])[{_DASHES}](?=\d)")
_RANGE = re.compile(rf"(?<![\w.:/#{_DASHES}])(\d[\d,.]*\s?)[{_DASHES}](?=\s?\d)")
_SCALE = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
# A number standing alone: not part of a word or an id (Q4, FY27, INC-2291, v1.2), a time
# (10:30) or a ratio (1:1).
_NUMBER = re.compile(
    r"(?<![\w.:/#-])(?P<sign>[$€£])?\s?(?P<value>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?"
    r"(?:\s?(?P<scale>k|mm|m|bn|b|thousand|million|billion)\b)?"
    r"(?P<percent>\s?%|\s?percent\b)?(?:[x\u00d7]\b)?(?![\w:/-]|\.\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    text: str
    value: Decimal
    tolerance: Decimal
    """Half a unit of the last digit written, times the scale: how far rounding may go."""
    percent: bool


def _figure(match: re.Match[str]) -> Figure | None:
    digits = match.group("value").replace(",", "")
    fraction = match.group("fraction") or ""
    try:
        value = Decimal(digits + fraction)
    except InvalidOperation:
        return None
    scale = Decimal(_SCALE.get((match.group("scale") or "").lower(), 1))
    places = len(fraction) - 1 if fraction else 0
    tolerance = Decimal(5) / Decimal(10) ** (places + 1) * scale
    plain = not (match.group("scale") or fraction or match.group("sign") or match.group("percent"))
    if plain:
        tolerance = Decimal(0)  # a count is exact
    return Figure(
        text=match.group(0).strip(),
        value=value * scale,
        tolerance=tolerance,
        percent=bool(match.group("percent")),
    )


MonthDay = tuple[int, int]


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _date_spans(text: str) -> list[tuple[int, int, tuple[MonthDay, ...]]]:
    """Each date of the text: where it is, and what it may mean as (month, day): one
    reading, or two for a numeric date that reads either way (3/4: 3 April or March 4)."""
    spans: list[tuple[int, int, tuple[MonthDay, ...]]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = int(groups["mon"]) if groups.get("mon") else MONTHS[groups["month"].lower()]
            day = int(groups["day"])
            if _valid(month, day):
                spans.append((match.start(), match.end(), ((month, day),)))
    for pattern in _NUMERIC_DATES:
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end, _ in spans):
                continue
            a, b = int(match.group("a")), int(match.group("b"))
            readings = tuple(dict.fromkeys(r for r in ((b, a), (a, b)) if _valid(*r)))
            if readings:
                spans.append((match.start(), match.end(), readings))
    return spans


def _figures_and_dates(text: str) -> tuple[list[Figure], list[tuple[MonthDay, ...]]]:
    dates = _date_spans(text)
    taken = [(start, end) for start, end, _ in dates]
    # Same length, so the dates' places still hold in the text the numbers are read from.
    numbers = _RANGE.sub(lambda m: m.group(1) + " ", _SIGN.sub(" ", text))
    found = []
    for match in _NUMBER.finditer(numbers):
        if any(start <= match.start() < end for start, end in taken):
            continue
        figure = _figure(match)
        if figure is not None:
            found.append(figure)
    return found, [readings for _, _, readings in dates]


def figures_in(text: str) -> tuple[list[Figure], list[MonthDay]]:
    """The figures of a text, and its dates as (month, day), every reading of each; a
    date's digits are not also counted as figures."""
    found, dates = _figures_and_dates(text)
    return found, [when for readings in dates for when in readings]


@dataclass(frozen=True)
class Grounding:
    """What the model was given: the figures and dates it may use."""

    values: frozenset[Decimal]
    percents: frozenset[Decimal]
    dates: frozenset[tuple[int, int]]

    @classmethod
    def of(cls, texts: Iterable[str], days: Iterable[date] = ()) -> Grounding:
        values: set[Decimal] = set()
        percents: set[Decimal] = set()
        dates: set[tuple[int, int]] = {(d.month, d.day) for d in days}
        for text in texts:
            found, when = figures_in(text)
            dates.update(when)
            for figure in found:
                (percents if figure.percent else values).add(figure.value)
            # a date's day and an ISO date's year are numbers a pack may repeat
            for month, day in when:
                values.add(Decimal(day))
                values.add(Decimal(month))
        values.update(Decimal(d.year) for d in days)
        return cls(frozenset(values), frozenset(percents), frozenset(dates))

    def covers(self, figure: Figure) -> bool:
        pool = self.percents if figure.percent else self.values
        return any(abs(figure.value - known) <= figure.tolerance for known in pool)


def ungrounded(texts: Iterable[str], grounding: Grounding) -> list[str]:
    """The figures and dates in `texts` that the grounding does not have, each once."""
    missing: dict[str, None] = {}
    for text in texts:
        found, dates = _figures_and_dates(text)
        for figure in found:
            if not grounding.covers(figure):
                missing[figure.text] = None
        for readings in dates:
            if not any(when in grounding.dates for when in readings):
                month, day = readings[0]
                missing[f"{day:02d}/{month:02d}"] = None
    return list(missing)


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


@dataclass(frozen=True)
class DraftSection:
    title: str
    minutes: int
    texts: tuple[str, ...]
    """The purpose and the notes: what the model wrote under the section."""


@dataclass(frozen=True)
class PackDraftView:
    """What the checks read of a model's pack, whatever its schema."""

    sections: tuple[DraftSection, ...]
    omitted: Mapping[str, str]
    """Template sections left out, by title, with the reason given."""
    other_texts: tuple[str, ...]
    """Questions, decisions needed: everything else the model wrote."""

    def all_texts(self) -> list[str]:
        texts = [s.title for s in self.sections]
        for section in self.sections:
            texts.extend(section.texts)
        return texts + list(self.other_texts)


def check_pack(
    draft: PackDraftView,
    meeting_type: MeetingType,
    duration_minutes: int,
    *,
    invited: Iterable[str],
    known_people: Mapping[str, str],
    grounding: Grounding,
) -> list[str]:
    """Why the draft may not be used; empty when it passes every check.

    `invited` holds the emails and names of the attendees; `known_people` other people the
    executive works with (email to name): naming one of those who is not invited fails.
    """
    reasons: list[str] = []
    minutes = [s.minutes for s in draft.sections]
    if duration_minutes > 0:
        if not draft.sections:
            reasons.append("the agenda is empty")
        elif sum(minutes) != duration_minutes:
            shown = " + ".join(str(m) for m in minutes)
            reasons.append(
                f"the agenda's minutes ({shown} = {sum(minutes)}) do not add up to the "
                f"meeting's {duration_minutes}"
            )
    short = [s.title for s in draft.sections if s.minutes < 1]
    if short:
        reasons.append(f"sections with no time: {', '.join(short)}")

    present = {_title_key(s.title) for s in draft.sections}
    explained = {_title_key(t) for t, why in draft.omitted.items() if why.strip()}
    missing = [
        s.title
        for s in meeting_type.agenda
        if _title_key(s.title) not in present and _title_key(s.title) not in explained
    ]
    if missing:
        reasons.append(
            "template sections missing without a reason: " + ", ".join(f"'{t}'" for t in missing)
        )

    named = _uninvited_named(draft.all_texts(), invited, known_people)
    if named:
        reasons.append("names people who are not invited: " + ", ".join(named))

    loose = ungrounded(draft.all_texts() + list(draft.omitted.values()), grounding)
    if loose:
        reasons.append(
            "figures that are in none of the context, the answers or the meeting: "
            + ", ".join(loose[:10])
        )
    return reasons


def _as_read(text: str) -> str:
    """A text as a reader takes it in, for comparing names: compatibility letter forms made
    plain (full-width, mathematical), anything unprintable and every run of spaces or line
    breaks one space, no case."""
    plain = unicodedata.normalize("NFKC", text)
    plain = "".join(ch if ch.isprintable() else " " for ch in plain)
    return " ".join(plain.split()).casefold()


def _uninvited_named(
    texts: Sequence[str], invited: Iterable[str], known_people: Mapping[str, str]
) -> list[str]:
    guests = {_as_read(value) for value in invited if value}
    joined = "\n".join(_as_read(text) for text in texts)
    named: list[str] = []
    for email, name in known_people.items():
        if _as_read(email) in guests or (name and _as_read(name) in guests):
            continue
        hits = [_as_read(email)]
        if name and len(name.split()) >= 2:  # a full name; a first name alone is too common
            hits.append(_as_read(name))
        if any(re.search(rf"(?<!\w){re.escape(hit)}(?!\w)", joined) for hit in hits):
            named.append(name or email)
    return sorted(set(named))
