"""Who an action belongs to: the ways notes name an owner, and the attendee a name designates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from exec_assistant.domain.models import Attendee
from exec_assistant.domain.notes.model import Context, words

__all__ = [
    "assignment",
    "owner_from_text",
    "plausible_owner",
    "resolve_owner",
    "same_person",
]

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


_Index = dict[str, set[str]]


@lru_cache(maxsize=32)
def _indexes(attendees: tuple[Attendee, ...]) -> tuple[_Index, _Index]:
    """Emails by full name or email, and emails by first or last name, built once a meeting."""
    full: _Index = {}
    part: _Index = {}
    for attendee in attendees:
        for index, keys_of in ((full, _full_keys), (part, _part_keys)):
            for key in keys_of(attendee):
                index.setdefault(key, set()).add(attendee.email)
    return full, part


def resolve_owner(name: str, attendees: Sequence[Attendee]) -> tuple[str, bool]:
    """The email of the one attendee `name` designates, or the name as written when not one."""
    written = _written(name)
    key = written.casefold()
    if not key or key in _SELF:
        return written, False
    # Full names and emails are tried before first/last names, so "Priya Raman" still
    # resolves when another Priya is in the room.
    for index in _indexes(tuple(attendees)):
        emails = index.get(key, set())
        if len(emails) == 1:
            return next(iter(emails)), True
        if emails:
            return written, False
    return written, False


# Capitalised words that start sentences far more often than they name a person.
_NOT_NAMES = words("""
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
    """)
_NAME_WORD = re.compile(r"[A-Z][a-z]*(?:['’-][A-Z]?[a-z]+)*")


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return (
        0 < len(words) <= 3
        and len(name) > 1
        and all(_NAME_WORD.fullmatch(w) for w in words)
        and words[0] not in _NOT_NAMES
    )


_NAME = r"@?[A-Za-z][\w'’-]*(?:\.[\w'’-]+)*(?:\s+[A-Z][\w'’-]*){0,2}"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_ASSIGNMENT = re.compile(
    rf"^(?P<name>{_NAME})\s+(?P<link>will|to|is\s+going\s+to)\s+(?P<rest>(?P<verb>[a-z][\w'-]*)\b.*)$",
    re.DOTALL,
)
# Words after "to"/"will" that turn an assignment into a maybe, or into no verb at all.
_NOT_COMMITTED = words(
    "maybe probably possibly perhaps likely hopefully not never be "
    "the a an this that these those our their his her my your its"
)
_LEADING_OWNER = re.compile(rf"^(?P<name>{_NAME})\s*:\s+(?P<rest>.+)$", re.DOTALL)
_LEADING_MENTION = re.compile(r"^(?P<name>@[\w.-]+?)[:,]?\s+(?P<rest>.+)$", re.DOTALL)
_DASH = r"\s+(?:--?|[—–])\s+"
_LEADING_DASH_OWNER = re.compile(rf"^(?P<name>{_EMAIL}|{_NAME}){_DASH}(?P<rest>.+)$", re.DOTALL)
_TRAILING_OWNER = re.compile(rf"^(?P<rest>.+?){_DASH}(?P<name>{_NAME})\s*\.?$")
_TRAILING_MENTION = re.compile(r"^(?P<rest>.+?)\s+\(?(?P<name>@[\w.-]+?)\)?\s*\.?$")
_PREPOSITIONS = words("to with for from cc and by of at")


def plausible_owner(name: str, ctx: Context) -> bool:
    """A mention, an attendee, or a capitalised name that is not a sentence opener."""
    return name.startswith("@") or resolve_owner(name, ctx.attendees)[1] or _looks_like_name(name)


def _leading_dash_owner(name: str, ctx: Context) -> bool:
    """Whether `name` in "NAME - task" is a person rather than the topic of the task.

    A mention ("@maria - update the runbook"), an email, an attendee ("Maria - ...") or
    someone's full name ("Sam Okafor - ...") is a person. A single capitalised word that
    names no attendee is taken for a topic ("Datadog - negotiate the renewal", "Payments -
    add retries") and stays in the text.
    """
    if name.startswith("@") or re.fullmatch(_EMAIL, name):
        return True
    if resolve_owner(name, ctx.attendees)[1]:
        return True
    return _looks_like_name(name) and len(name.split()) > 1


def assignment(text: str, ctx: Context) -> tuple[str, str] | None:
    """(owner, what) for "Priya to send ..." or "@marcus will send ..."; None otherwise."""
    match = _ASSIGNMENT.match(text)
    if match is None or match["verb"].lower() in _NOT_COMMITTED:
        return None
    name = match["name"]
    # A plain "Marcus will ..." is as often a prediction as a commitment; a mention is not.
    if match["link"] != "to" and not name.startswith("@"):
        return None
    return (name, match["rest"]) if plausible_owner(name, ctx) else None


def owner_from_text(text: str, ctx: Context) -> tuple[str, str | None]:
    """(text without the owner, owner) from the ways an owner is written around an action.

    "Priya to send X", "@priya send X", "Priya: send X", "Maria - send X", "send X - Priya",
    "send X @priya". A dash-separated owner in front must be a person (see
    `_leading_dash_owner`); one behind may also be any capitalised name ("send X - Sam Okafor").
    """
    if assigned := assignment(text, ctx):
        return assigned[1], assigned[0]
    for pattern in (_LEADING_MENTION, _LEADING_OWNER):
        match = pattern.match(text)
        if match and plausible_owner(match["name"], ctx):
            return match["rest"], match["name"]
    leading = _LEADING_DASH_OWNER.match(text)
    if leading and _leading_dash_owner(leading["name"], ctx):
        return leading["rest"], leading["name"]
    trailing = _TRAILING_OWNER.match(text)
    if trailing and plausible_owner(trailing["name"], ctx):
        return trailing["rest"], trailing["name"]
    mention = _TRAILING_MENTION.match(text)
    if mention and mention["rest"].split()[-1].lower() not in _PREPOSITIONS:
        return mention["rest"], mention["name"]
    return text, None


def same_person(one: str, other: str, ctx: Context) -> bool:
    return (
        resolve_owner(one, ctx.attendees)[0].casefold()
        == resolve_owner(other, ctx.attendees)[0].casefold()
    )
