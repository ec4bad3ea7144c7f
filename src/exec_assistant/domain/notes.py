"""Decisions, action items and a summary, read from a meeting's notes by explicit conventions.

Only what the notes state is extracted: a checkbox, a marker ("ACTION:", "Decision:"), an
assignment ("Priya to send ...", "@marcus will ...") or a bullet under a heading that says what
its bullets are. Discussion, hedges and questions are left alone, because an assistant that
invents work it then chases people about is worse than one that misses a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from exec_assistant.domain.models import Attendee

__all__ = [
    "ExtractedActionItem",
    "ExtractedDecision",
    "NotesExtraction",
    "parse_notes",
    "resolve_due",
    "resolve_owner",
]


@dataclass(frozen=True)
class ExtractedDecision:
    text: str
    source_line: int
    pending: bool = False


@dataclass(frozen=True)
class ExtractedActionItem:
    text: str
    owner: str | None
    owner_resolved: bool
    due: date | None
    done: bool
    source_line: int


@dataclass(frozen=True)
class NotesExtraction:
    summary: str
    decisions: tuple[ExtractedDecision, ...]
    action_items: tuple[ExtractedActionItem, ...]


_Item = ExtractedDecision | ExtractedActionItem


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class _Section(Enum):
    NEUTRAL = "neutral"
    ACTIONS = "actions"
    DECISIONS = "decisions"
    PENDING = "pending"
    SUMMARY = "summary"


_MONTHS = {
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
_MONTH = rf"(?P<month>{_alternation(_MONTHS)})\.?"
_WEEKDAY = rf"(?P<weekday>{_alternation(_WEEKDAYS)})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
# "Tue, Dec 8": when a weekday and a date are both given, the date is the precise one.
_LEADING_WEEKDAY = rf"(?:(?:{_alternation(_WEEKDAYS)})\.?,?\s+)?"


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
    return _dated(_MONTHS[match["month"].lower()], int(match["day"]), match["year"], meeting)


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


def _end_of_month(match: re.Match[str], meeting: date) -> date | None:
    first_of_next = (meeting.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def _today(match: re.Match[str], meeting: date) -> date | None:
    return meeting


def _tomorrow(match: re.Match[str], meeting: date) -> date | None:
    return meeting + timedelta(days=1)


_Resolver = Callable[[re.Match[str], date], date | None]
_DATE_FORMS: tuple[tuple[re.Pattern[str], _Resolver], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), resolver)
    for pattern, resolver in (
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
        (rf"in\s+(?P<count>\d+|{_alternation(_COUNTS)})\s+(?P<unit>days?|weeks?){_END}", _after),
        (rf"next\s+{_WEEKDAY}{_END}", _next_week),
        (rf"this\s+{_WEEKDAY}{_END}", _this_week),
        (rf"{_WEEKDAY}{_END}", _weekday),
        (rf"(?:eow|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week){_END}", _end_of_week),
        (rf"(?:eom|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month){_END}", _end_of_month),
        (rf"(?:eod|cob|(?:the\s+)?end\s+of\s+(?:the\s+)?day|today|tonight){_END}", _today),
        (rf"(?:eod\s+)?tomorrow{_END}", _tomorrow),
    )
)


def _match_date(text: str, meeting: date) -> tuple[date, int] | None:
    """The date written at the very start of `text`, and how many characters it took."""
    for pattern, resolver in _DATE_FORMS:
        match = pattern.match(text)
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
    found = _match_date(cleaned, meeting_date)
    if found is None or found[1] != len(cleaned):
        return None
    return found[0]


_SELF = frozenset({"me", "i", "myself"})


def _written(name: str) -> str:
    return " ".join(name.strip().lstrip("@").split()).rstrip(".,;:")


def _local_part(attendee: Attendee) -> str:
    return attendee.email.partition("@")[0].casefold()


def _full_keys(attendee: Attendee) -> set[str]:
    keys = {attendee.email.casefold(), _local_part(attendee)}
    if attendee.name:
        keys.add(" ".join(attendee.name.split()).casefold())
    return keys


def _part_keys(attendee: Attendee) -> set[str]:
    # Without a display name, "priya.raman@" still says who the person is.
    words = attendee.name.split() if attendee.name else re.split(r"[._-]+", _local_part(attendee))
    words = [w.casefold() for w in words if w]
    return {words[0], words[-1]} if words else set()


def resolve_owner(name: str, attendees: Sequence[Attendee]) -> tuple[str, bool]:
    """The email of the one attendee `name` designates, or the name as written when not one."""
    written = _written(name)
    key = written.casefold()
    if not key or key in _SELF:
        return written, False
    # Full names and emails are tried before first/last names, so "Priya Raman" still
    # resolves when another Priya is in the room.
    for keys_of in (_full_keys, _part_keys):
        emails = {a.email for a in attendees if key in keys_of(a)}
        if len(emails) == 1:
            return emails.pop(), True
        if emails:
            return written, False
    return written, False


# Capitalised words that start sentences far more often than they name a person.
_NOT_NAMES = _words(
    """
    A About Access Action Actions Added Agenda Agree Agreed All Also An And Another Any Anyone
    Asked Back Background Be Better Blocked Both Budget But Can Changes Comment Comments Consider
    Context Continue Could Decided Decision Decisions Detail Details Did Discussed Do Done Due
    Each Easy Everyone Everybody Expect Expected Feedback Few Follow Followups Fyi Go Goal Going
    Good Got Great Had Hard Has Have He Her Here His Hope Hoping How I If Idea Important In
    Intend Issue It Its Just Let Likely Look Looking May Maybe Me Might Most Move Moved Moving My
    Need Needed Needs Next No Nobody None Not Note Notes Nothing Now Ok Okay On One Only Open
    Option Options Or Other Others Our Outcome Owner Pending Perhaps Plan Planned Plans Please
    Possibly Priority Probably Problem Proposal Question Questions Ready Reminder Result Risk
    Scope She Should So Some Somebody Someone Something Start Started Status Still Summary
    Supposed Switch Team Teams Tell Thanks That The Their Them Then There These They This
    Those Time Timeline Todo Told Topic Try Trying Unable Up Update Updates Us Used Want Wanted
    Wants Way We Went What When Where Whether Which Who Why Will Would Yes You Your
    """
)
_NAME_WORD = re.compile(r"[A-Z][a-z]*(?:['’-][A-Z]?[a-z]+)*")


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return (
        0 < len(words) <= 3
        and len(name) > 1
        and all(_NAME_WORD.fullmatch(w) for w in words)
        and words[0] not in _NOT_NAMES
    )


_ACTION_MARK = re.compile(
    r"^(?:(?i:action(?:\s+items?)?|todo|to-do)\s*(?:\((?P<owner>[^)]*)\))?|AI)\s*:\s*(?P<rest>.*)$",
    re.DOTALL,
)
_PENDING_MARK = re.compile(
    r"^(?:decisions?\s+(?:needed|required|pending)|(?:open|pending)\s+(?:decisions?|questions?)"
    r"|to\s+decide)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DECISION_MARK = re.compile(
    r"^(?:decisions?(?:\s+made)?|decided|agreed)\s*:\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL
)

_NAME = r"@?[A-Za-z][\w'’-]*(?:\.[\w'’-]+)*(?:\s+[A-Z][\w'’-]*){0,2}"
_ASSIGNMENT = re.compile(
    rf"^(?P<name>{_NAME})\s+(?P<link>will|to|is\s+going\s+to)\s+(?P<rest>(?P<verb>[a-z][\w'-]*)\b.*)$",
    re.DOTALL,
)
# Words after "to"/"will" that turn an assignment into a maybe, or into no verb at all.
_NOT_COMMITTED = _words(
    "maybe probably possibly perhaps likely hopefully not never be "
    "the a an this that these those our their his her my your its"
)
_LEADING_OWNER = re.compile(rf"^(?P<name>{_NAME})\s*:\s+(?P<rest>.+)$", re.DOTALL)
_LEADING_MENTION = re.compile(r"^(?P<name>@[\w.-]+?)[:,]?\s+(?P<rest>.+)$", re.DOTALL)
_TRAILING_OWNER = re.compile(rf"^(?P<rest>.+?)\s+(?:--?|[—–])\s+(?P<name>{_NAME})\s*\.?$")
_TRAILING_MENTION = re.compile(r"^(?P<rest>.+?)\s+\(?(?P<name>@[\w.-]+?)\)?\s*\.?$")
_PREPOSITIONS = _words("to with for from cc and by of at")

_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|might|probably|wondered|not\s+sure|someday|discussed|"
    r"mentioned|floated|(?:talked|thought|thinking)\s+about|"
    r"worth\s+(?:re)?(?:visiting|considering|looking|exploring|checking)|"
    r"some(?:one|body)\s+(?:should|could|needs?\s+to)|(?:we|you|they|i|he|she)\s+(?:could|may))\b"
    r"|^could\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Context:
    meeting_date: date
    attendees: tuple[Attendee, ...]


@dataclass(frozen=True)
class _Marked:
    kind: _Section
    rest: str
    owner: str | None = None


def _marked(text: str) -> _Marked | None:
    """The explicit marker a text opens with ("ACTION:", "Decision needed:", ...), if any."""
    if action := _ACTION_MARK.match(text):
        return _Marked(_Section.ACTIONS, action["rest"], action["owner"])
    if pending := _PENDING_MARK.match(text):
        return _Marked(_Section.PENDING, pending["rest"])
    if decided := _DECISION_MARK.match(text):
        return _Marked(_Section.DECISIONS, decided["rest"])
    return None


def _plausible_owner(name: str, ctx: _Context) -> bool:
    return name.startswith("@") or resolve_owner(name, ctx.attendees)[1] or _looks_like_name(name)


def _assignment(text: str, ctx: _Context) -> tuple[str, str] | None:
    """(owner, what) for "Priya to send ..." or "@marcus will send ..."; None otherwise."""
    match = _ASSIGNMENT.match(text)
    if match is None or match["verb"].lower() in _NOT_COMMITTED:
        return None
    name = match["name"]
    # A plain "Marcus will ..." is as often a prediction as a commitment; a mention is not.
    if match["link"] != "to" and not name.startswith("@"):
        return None
    return (name, match["rest"]) if _plausible_owner(name, ctx) else None


def _is_question(text: str) -> bool:
    return text.rstrip(" *_)\"'").endswith("?")


def _opens_item(text: str, ctx: _Context) -> bool:
    return _marked(text) is not None or _assignment(text, ctx) is not None


_SEPARATOR = re.compile(r"((?:^|\s+)(?:--?|[—–|])(?:\s+|$)|\s*;\s*)")
_FIELD = re.compile(
    r"^\s*(?P<key>owners?|assignee|assigned\s+to|dri|due(?:\s+date)?|deadline|eta)\s*:\s*"
    r"(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
_BRACKETED_FIELD = re.compile(
    r"\s*[(\[]\s*(?P<key>owners?|assignee|dri|due(?:\s+date)?|deadline|eta)\s*:\s*"
    r"(?P<value>[^)\]]*?)\s*[)\]]",
    re.IGNORECASE,
)
_NO_VALUE = frozenset({"", "tbd", "tbc", "n/a", "na", "none", "?", "-", "unassigned", "unknown"})


@dataclass
class _Fields:
    """What "Owner:"/"Due:" fields said, and the text left once they are taken out."""

    text: str
    owner: str | None = None
    due: date | None = None
    due_given: bool = False

    def take(self, key: str, value: str, meeting: date) -> None:
        value = value.strip()
        if key.lower().startswith(("due", "deadline", "eta")):
            self.due_given = True
            self.due = self.due or resolve_due(value, meeting)
        elif value.casefold() not in _NO_VALUE:
            self.owner = self.owner or value


def _fields(clause: str, meeting: date) -> _Fields:
    found = _Fields("")
    for match in _BRACKETED_FIELD.finditer(clause):
        found.take(match["key"], match["value"], meeting)
    parts = _SEPARATOR.split(_BRACKETED_FIELD.sub("", clause))
    kept: list[str] = []
    # split() with a group alternates text, separator, text...: keep each text with the
    # separator before it, so an item written "A - B" keeps its own dash.
    for index in range(0, len(parts), 2):
        field_match = _FIELD.match(parts[index])
        if field_match:
            found.take(field_match["key"], field_match["value"], meeting)
        else:
            kept.append((parts[index - 1] if index else "") + parts[index])
    found.text = "".join(kept)
    return found


def _owner_from_text(text: str, ctx: _Context) -> tuple[str, str | None]:
    """(text without the owner, owner) from the ways an owner is written around an action."""
    if assigned := _assignment(text, ctx):
        return assigned[1], assigned[0]
    for pattern in (_LEADING_MENTION, _LEADING_OWNER, _TRAILING_OWNER):
        match = pattern.match(text)
        if match and _plausible_owner(match["name"], ctx):
            return match["rest"], match["name"]
    mention = _TRAILING_MENTION.match(text)
    if mention and mention["rest"].split()[-1].lower() not in _PREPOSITIONS:
        return mention["rest"], mention["name"]
    return text, None


_DUE_CONNECTOR = re.compile(
    r"\b(?:by|before|no\s+later\s+than|due(?:\s*:|\s+by|\s+on)?)\s+", re.IGNORECASE
)
_THE = re.compile(r"the\s+", re.IGNORECASE)
_EVENT_ON = re.compile(r"the\s+[^.;,()]{1,60}?\s+on\s+", re.IGNORECASE)
_TRAILING_DEADLINE = re.compile(
    r"(?:^|[\s,(]+)(?P<when>eod|eow|eom|cob|today|tomorrow|"
    r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:day|week|month))\)?[\s.!]*$",
    re.IGNORECASE,
)


def _deadline_at(text: str, start: int, meeting: date) -> tuple[date, int, bool] | None:
    """(due, end, keep words) for the deadline right after a "by"/"before" at `start`.

    "before the Dec 7 budget check-in" and "before the check-in on Dec 7" name an event
    that dates the work; its words stay in the text, since they say what the date is for.
    """
    direct = _match_date(text[start:], meeting)
    if direct:
        return direct[0], start + direct[1], False
    the = _THE.match(text, start)
    if the and (dated := _match_date(text[the.end() :], meeting)):
        end = the.end() + dated[1]
        return dated[0], end, bool(re.match(r"\s+\w", text[end:]))
    event = _EVENT_ON.match(text, start)
    if event and (dated := _match_date(text[event.end() :], meeting)):
        return dated[0], event.end() + dated[1], True
    return None


def _after_preposition(text: str) -> bool:
    words = text.split()
    return bool(words) and words[-1].lower() in _PREPOSITIONS | {"since", "until", "in", "on"}


def _due_from_text(text: str, meeting: date) -> tuple[str, date | None]:
    for connector in _DUE_CONNECTOR.finditer(text):
        found = _deadline_at(text, connector.end(), meeting)
        if found:
            due, end, keep = found
            return (text if keep else text[: connector.start()] + text[end:]), due
    trailing = _TRAILING_DEADLINE.search(text)
    # "the notes from today" dates the notes, not the work.
    if trailing and not _after_preposition(text[: trailing.start()]):
        return text[: trailing.start()], resolve_due(trailing["when"], meeting)
    return text, None


def _tidy(text: str) -> str:
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = text.strip(" ,;:-—–|")
    text = re.sub(r"\.+$", "", text).rstrip()
    return text[:1].upper() + text[1:]


def _same_person(one: str, other: str, ctx: _Context) -> bool:
    return (
        resolve_owner(one, ctx.attendees)[0].casefold()
        == resolve_owner(other, ctx.attendees)[0].casefold()
    )


def _action(
    clause: str, line: int, ctx: _Context, owner: str | None = None, done: bool = False
) -> ExtractedActionItem | None:
    fields = _fields(clause, ctx.meeting_date)
    text, owner = fields.text, (owner or "").strip() or fields.owner
    stripped, named = _owner_from_text(text.strip(), ctx)
    # "Priya to send X - Owner: Priya" says Priya twice; a different name stays in the text.
    if owner is None or (named is not None and _same_person(owner, named, ctx)):
        text, owner = stripped, owner or named
    due = fields.due
    if not fields.due_given:
        text, due = _due_from_text(text, ctx.meeting_date)
    text = _tidy(text)
    if not text:
        return None
    who, resolved = resolve_owner(owner, ctx.attendees) if owner else (None, False)
    return ExtractedActionItem(text, who, resolved, due, done, line)


def _decision(text: str, line: int, pending: bool) -> ExtractedDecision | None:
    cleaned = _tidy(text)
    return ExtractedDecision(cleaned, line, pending) if cleaned else None


def _item_for(
    kind: _Section, text: str, line: int, ctx: _Context, owner: str | None = None
) -> _Item | None:
    if kind is _Section.ACTIONS:
        return _action(text, line, ctx, owner)
    return _decision(text, line, pending=kind is _Section.PENDING)


@dataclass(frozen=True)
class _Piece:
    line: int
    text: str


@dataclass
class _Block:
    """A bullet with its wrapped lines, or a prose paragraph."""

    bullet: bool
    section: _Section
    pieces: list[_Piece]
    indent: int = 0
    box: str | None = None
    nested: bool = False

    @property
    def line(self) -> int:
        return self.pieces[0].line

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces)


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<name>.*?)[\s#]*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<name>[^*_]+?)\1\s*:?\s*$")
_BULLET = re.compile(
    r"^(?P<indent>\s*)"
    r"(?:(?:[-*+•]|\d{1,2}[.)])\s+(?:\[(?P<box>[ xX]?)\]\s*)?|\[(?P<bare>[ xX]?)\]\s+)"
    r"(?P<text>.*)$"
)
_RULE = re.compile(r"[-*_=]{3,}")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_URL = re.compile(r"<?https?://\S+>?")
_LABEL = re.compile(r"^(?P<label>[A-Za-z][\w' -]{0,30}):\s*(?P<value>.*)$")
_META_LABELS = _words(
    """attendees present absent apologies regrets date time when where location chair
    facilitator scribe invitees participants cc recording link links doc docs agenda"""
) | {"note taker", "notetaker", "running doc"}
_SUMMARY_MARK = re.compile(r"^(?:summary|tl;?dr|overview)\s*:\s*(?P<rest>.+)$", re.IGNORECASE)


def _plain(text: str) -> str:
    """The text without markdown emphasis and link targets."""
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"\*\*|(?<!\w)__|__(?!\w)", "", text)
    wrapped = re.fullmatch(r"([*_])(.+)\1", text.strip())
    return wrapped[2] if wrapped else text.strip()


_PARTS = re.compile(r"\s*(?:&|\+|/|,|\band\b)\s*")
_SECTION_NAMES: tuple[tuple[_Section, re.Pattern[str]], ...] = tuple(
    (section, re.compile(pattern))
    for section, pattern in (
        (
            _Section.PENDING,
            r"(?:decisions?\s+(?:needed|required|pending|to\s+(?:be\s+)?(?:make|made|take))"
            r"|(?:open|pending|outstanding|unresolved)\s+(?:decisions?|questions?)|to\s+decide)",
        ),
        (
            _Section.ACTIONS,
            r"(?:open\s+|new\s+|key\s+)?(?:action\s+items?|action\s+points?|actions?|next\s+steps?"
            r"|follow[\s-]?ups?|to[\s-]?dos?|tasks?|assignments?)",
        ),
        (
            _Section.DECISIONS,
            r"(?:key\s+|final\s+)?(?:decisions?(?:\s+(?:made|taken|log|reached))?|agreed"
            r"|agreements?|what\s+we\s+agreed)",
        ),
        (_Section.SUMMARY, r"(?:executive\s+|meeting\s+)?(?:summary|tl;?dr|overview)"),
    )
)


def _part_kind(part: str) -> _Section:
    return next((s for s, p in _SECTION_NAMES if p.fullmatch(part)), _Section.NEUTRAL)


def _section_of(name: str) -> _Section:
    """What a heading says its bullets are; NEUTRAL for topics and for mixed headings."""
    name = re.sub(r"\([^)]*\)", "", _plain(name)).casefold()
    name = re.sub(r"^[^\w]*(?:\d+[.)]\s*)?", "", name).strip(" :.")
    kinds = {_part_kind(part.strip()) for part in _PARTS.split(name) if part.strip()}
    return kinds.pop() if len(kinds) == 1 else _Section.NEUTRAL


def _heading_name(line: str) -> str | None:
    """The name of a heading line: "## Decisions", "**Action items**" or "Next steps:"."""
    if markdown := _MD_HEADING.match(line):
        return markdown["name"]
    if bold := _BOLD_LINE.match(line):
        return bold["name"].strip().rstrip(":")
    content = _plain(line)
    if _BULLET.match(line) or not content.endswith(":"):
        return None
    # "Decision: we go with B:" is a decision; "Decision needed:" alone heads what follows.
    marked = _marked(content)
    return content[:-1] if marked is None or not marked.rest.strip(" :") else None


def _is_metadata(content: str) -> bool:
    """Header lines such as "**Attendees:** ..." or "Running doc: https://...": not notes."""
    if _marked(content) is not None:
        return False
    if _URL.fullmatch(content):
        return True
    label = _LABEL.match(content)
    if label is None:
        return False
    return label["label"].strip().casefold() in _META_LABELS or bool(
        _URL.fullmatch(label["value"].strip())
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


@dataclass
class _Outline:
    """Reads the notes line by line, tracking the section in force and the block being built.

    A markdown heading rules until the next heading. A "Next steps:" style heading only rules
    its own list (and a paragraph right after it): notes often put one inside a topic section.
    """

    heading: _Section = _Section.NEUTRAL
    list_heading: _Section | None = None
    heading_awaits_prose: bool = False
    base_indent: int | None = None
    current: _Block | None = None
    blocks: list[_Block] = field(default_factory=list)

    @property
    def section(self) -> _Section:
        return self.heading if self.list_heading is None else self.list_heading

    def feed(self, number: int, line: str) -> None:
        stripped = line.strip()
        if not stripped or _RULE.fullmatch(stripped):
            self.close()
        elif _MD_HEADING.match(line):
            self.enter(_heading_name(line) or "", markdown=True)
        elif bullet := _BULLET.match(line):
            self.add_bullet(number, bullet)
        elif self.continues_bullet(line):
            assert self.current is not None
            self.current.pieces.append(_Piece(number, _plain(stripped)))
        elif (name := _heading_name(line)) is not None:
            self.enter(name, markdown=False)
        elif not _is_metadata(_plain(stripped)):
            self.add_prose(number, _plain(stripped))

    def close(self) -> None:
        if self.current is not None:
            self.blocks.append(self.current)
        self.current = None

    def enter(self, name: str, markdown: bool) -> None:
        self.close()
        kind = _section_of(name)
        if markdown:
            self.heading, self.list_heading = kind, None
        else:
            # "Priya:" inside "## Action items" groups items; it does not end the section.
            self.list_heading = None if kind is _Section.NEUTRAL else kind
        self.heading_awaits_prose = self.list_heading is not None
        self.base_indent = None

    def add_bullet(self, number: int, bullet: re.Match[str]) -> None:
        self.close()
        indent = len(bullet["indent"].expandtabs(4))
        self.base_indent = indent if self.base_indent is None else min(self.base_indent, indent)
        box = bullet["box"] if bullet["box"] is not None else bullet["bare"]
        self.heading_awaits_prose = False
        self.current = _Block(
            bullet=True,
            section=self.section,
            pieces=[_Piece(number, _plain(bullet["text"]))],
            indent=indent,
            box=box,
            nested=indent > self.base_indent,
        )

    def continues_bullet(self, line: str) -> bool:
        return (
            self.current is not None
            and self.current.bullet
            and _indent(line.expandtabs(4)) > self.current.indent
        )

    def add_prose(self, number: int, content: str) -> None:
        if self.current is not None and not self.current.bullet:
            self.current.pieces.append(_Piece(number, content))
            return
        self.close()
        if not self.heading_awaits_prose:
            self.list_heading = None
        self.heading_awaits_prose = False
        self.base_indent = None
        self.current = _Block(bullet=False, section=self.section, pieces=[_Piece(number, content)])


def _blocks(text: str) -> list[_Block]:
    outline = _Outline()
    for number, raw in enumerate(text.splitlines(), start=1):
        outline.feed(number, raw.expandtabs(4).rstrip())
    outline.close()
    return outline.blocks


_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z@])")


def _ends_sentence(text: str) -> bool:
    return text.rstrip(" \"')]").endswith((".", "!", "?"))


def _wraps_onto(previous: str, line: str, ctx: _Context) -> bool:
    """Whether `line` carries on the sentence `previous` left open, as a hard wrap does."""
    return (
        not _ends_sentence(previous)
        and not line[:1].isupper()
        and not line.startswith("@")
        and not _opens_item(line, ctx)
    )


def _sentences(pieces: Sequence[_Piece], ctx: _Context) -> list[_Piece]:
    """Sentences with the line each starts on; a line opening an item always starts one."""
    sentences: list[_Piece] = []
    for piece in pieces:
        first, *rest = _SENTENCE_BREAK.split(piece.text.strip())
        if sentences and _wraps_onto(sentences[-1].text, first, ctx):
            sentences[-1] = _Piece(sentences[-1].line, f"{sentences[-1].text} {first}")
        else:
            sentences.append(_Piece(piece.line, first))
        sentences.extend(_Piece(piece.line, part) for part in rest)
    return sentences


def _sentence_item(sentence: _Piece, ctx: _Context) -> _Item | None:
    if (marked := _marked(sentence.text)) is not None:
        return _item_for(marked.kind, marked.rest, sentence.line, ctx, marked.owner)
    if _is_question(sentence.text) or _assignment(sentence.text, ctx) is None:
        return None
    return _action(sentence.text, sentence.line, ctx)


def _runs(pieces: Sequence[_Piece], ctx: _Context) -> list[tuple[bool, list[_Piece]]]:
    """A paragraph cut into marked lines (with their wrapped tails) and plain text between."""
    runs: list[tuple[bool, list[_Piece]]] = []
    for piece in pieces:
        marked = _marked(piece.text) is not None
        if runs and not marked and _joins(runs[-1], piece, ctx):
            runs[-1][1].append(piece)
        else:
            runs.append((marked, [piece]))
    return runs


def _joins(run: tuple[bool, list[_Piece]], piece: _Piece, ctx: _Context) -> bool:
    marked, pieces = run
    return not marked or _wraps_onto(pieces[-1].text, piece.text, ctx)


def _prose_items(block: _Block, ctx: _Context) -> tuple[list[_Item], list[str]]:
    """Items in a paragraph, and the sentences that are none (the paragraph's prose)."""
    items: list[_Item] = []
    prose: list[str] = []
    for marked, pieces in _runs(block.pieces, ctx):
        if marked:
            joined = " ".join(p.text for p in pieces)
            items.extend(_listed(_sentence_item(_Piece(pieces[0].line, joined), ctx)))
            continue
        for sentence in _sentences(pieces, ctx):
            item = _sentence_item(sentence, ctx)
            if item is None:
                prose.append(sentence.text)
            else:
                items.append(item)
    return items, prose


def _listed(item: _Item | None) -> list[_Item]:
    return [] if item is None else [item]


def _refused(text: str, section: _Section) -> bool:
    if section is _Section.PENDING:
        return False
    return _is_question(text) or (section is _Section.ACTIONS and bool(_HEDGE.search(text)))


_LISTING_SECTIONS = frozenset({_Section.ACTIONS, _Section.DECISIONS, _Section.PENDING})


def _bullet_items(block: _Block, ctx: _Context) -> list[_Item]:
    """A checkbox or a marker decides first, then the heading, then sentence conventions."""
    text, line = block.text, block.line
    if block.box is not None:
        marked = _marked(text)
        if marked is not None and marked.kind is _Section.ACTIONS:
            text, owner = marked.rest, marked.owner
        else:
            owner = None
        return _listed(_action(text, line, ctx, owner, done=block.box.lower() == "x"))
    if (marked := _marked(text)) is not None:
        return _listed(_item_for(marked.kind, marked.rest, line, ctx, marked.owner))
    # A sub-bullet details its parent; only its own explicit conventions make it an item.
    section = _Section.NEUTRAL if block.nested else block.section
    if section in _LISTING_SECTIONS:
        return [] if _refused(text, section) else _listed(_item_for(section, text, line, ctx))
    return [i for s in _sentences(block.pieces, ctx) for i in _listed(_sentence_item(s, ctx))]


def _block_items(block: _Block, ctx: _Context) -> list[_Item]:
    return _bullet_items(block, ctx) if block.bullet else _prose_items(block, ctx)[0]


def _key(item: _Item) -> tuple[object, ...]:
    if isinstance(item, ExtractedDecision):
        return ("decision", item.pending, item.text.casefold())
    return ("action", item.text.casefold(), item.owner)


def _unique(items: Sequence[_Item]) -> list[_Item]:
    """The first of each item noted twice, e.g. inline and again in the action list."""
    seen: set[tuple[object, ...]] = set()
    kept: list[_Item] = []
    for item in items:
        if _key(item) not in seen:
            seen.add(_key(item))
            kept.append(item)
    return kept


_SUMMARY_LIMIT = 400


def _shorten(text: str, limit: int = _SUMMARY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text) if m.end() <= limit]
    if ends:
        return text[: ends[-1]]
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _as_sentence(text: str) -> str:
    return text if _ends_sentence(text) else f"{text}."


def _summary_section(blocks: Sequence[_Block]) -> str:
    """The text under a Summary/TL;DR heading, else that of a "TL;DR: ..." paragraph."""
    under_heading = [_as_sentence(b.text) for b in blocks if b.section is _Section.SUMMARY]
    if under_heading:
        return " ".join(under_heading)
    for block in blocks:
        inline = None if block.bullet else _SUMMARY_MARK.match(block.text)
        if inline:
            return inline["rest"]
    return ""


def _first_paragraph(blocks: Sequence[_Block], ctx: _Context) -> str:
    for block in blocks:
        if not block.bullet and (prose := _prose_items(block, ctx)[1]):
            return " ".join(prose)
    return ""


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(blocks: Sequence[_Block], ctx: _Context, decisions: int, actions: int) -> str:
    written = _summary_section(blocks) or _first_paragraph(blocks, ctx)
    if written:
        return _shorten(" ".join(written.split()))
    return f"Notes with {_counted(decisions, 'decision')} and {_counted(actions, 'action item')}."


def parse_notes(text: str, meeting_date: date, attendees: Sequence[Attendee]) -> NotesExtraction:
    """The decisions, action items and summary the notes state, each with its source line."""
    ctx = _Context(meeting_date, tuple(attendees))
    blocks = _blocks(text)
    items = _unique([item for block in blocks for item in _block_items(block, ctx)])
    decisions = tuple(i for i in items if isinstance(i, ExtractedDecision))
    actions = tuple(i for i in items if isinstance(i, ExtractedActionItem))
    summary = _summary(blocks, ctx, len(decisions), len(actions))
    return NotesExtraction(summary, decisions, actions)
