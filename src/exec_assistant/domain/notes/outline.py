"""How notes are laid out: headings, bullets, paragraphs, and the markers that open a line.

The outline says which section each bullet or paragraph sits in (action items, decisions,
open decisions, summary, or a topic) and which line each piece of text came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from exec_assistant.domain.notes.model import words

__all__ = [
    "Block",
    "Marked",
    "Piece",
    "Section",
    "blocks",
    "ends_sentence",
    "marked",
    "plain",
]


class Section(Enum):
    NEUTRAL = "neutral"
    ACTIONS = "actions"
    DECISIONS = "decisions"
    PENDING = "pending"
    SUMMARY = "summary"


_ACTION_MARK = re.compile(
    r"^(?:(?i:action(?:\s+items?)?|todo|to-do|next\s+steps?|follow[\s-]?ups?)"
    r"\s*(?:\((?P<owner>[^)]*)\))?|AI)\s*:\s*(?P<rest>.*)$",
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


@dataclass(frozen=True)
class Marked:
    kind: Section
    rest: str
    owner: str | None = None


def marked(text: str) -> Marked | None:
    """The explicit marker a text opens with ("ACTION:", "Next steps:", "Decision needed:")."""
    if ":" not in text:  # every marker ends with one; most lines have none
        return None
    if action := _ACTION_MARK.match(text):
        return Marked(Section.ACTIONS, action["rest"], action["owner"])
    if pending := _PENDING_MARK.match(text):
        return Marked(Section.PENDING, pending["rest"])
    if decided := _DECISION_MARK.match(text):
        return Marked(Section.DECISIONS, decided["rest"])
    return None


@dataclass(frozen=True)
class Piece:
    line: int
    text: str


@dataclass
class Block:
    """A bullet with its wrapped lines, or a prose paragraph."""

    bullet: bool
    section: Section
    pieces: list[Piece]
    indent: int = 0
    box: str | None = None
    nested: bool = False

    @property
    def line(self) -> int:
        return self.pieces[0].line

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces)


# The heading's name is cut from its closing #s by rstrip, not by a lazy group followed by
# "[\s#]*$": that pair backtracks quadratically on a long heading.
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+(?P<name>.*))?$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<name>[^*_]+?)\1\s*:?\s*$")
# "–" too: Word and Outlook turn list bullets into en dashes when notes are saved as text.
_BULLET = re.compile(
    r"^(?P<indent>\s*)"
    r"(?:(?:[-*+•–]|\d{1,2}[.)])\s+(?:\[(?P<box>[ xX]?)\]\s*)?|\[(?P<bare>[ xX]?)\]\s+)"
    r"(?P<text>.*)$"
)
_RULE = re.compile(r"[-*_=]{3,}")
# Neither part may hold the bracket that opens it, so a line of "[[[[" is read in one pass;
# a target may hold one level of parentheses (".../Foo_(bar)").
_LINK = re.compile(r"\[([^\][]+)\]\((?:[^()]|\([^()]*\))*\)")
_URL = re.compile(r"<?https?://\S+>?")
_LABEL = re.compile(r"^(?P<label>[A-Za-z][\w' -]{0,30}):\s*(?P<value>.*)$")
_META_LABELS = words(
    """attendees present absent apologies regrets date time when where location chair
    facilitator scribe invitees participants cc recording link links doc docs agenda"""
) | {"note taker", "notetaker", "running doc"}


_STRONG = re.compile(r"\*\*|(?<!\w)__|__(?!\w)")
_EMPHASIS = re.compile(r"([*_])(.+)\1")


def plain(text: str) -> str:
    """The text without markdown emphasis and link targets."""
    if "[" in text:
        text = _LINK.sub(r"\1", text)
    if "**" in text or "__" in text:
        text = _STRONG.sub("", text)
    text = text.strip()
    wrapped = _EMPHASIS.fullmatch(text) if text[:1] in "*_" else None
    return wrapped[2] if wrapped else text


def ends_sentence(text: str) -> bool:
    return text.rstrip(" \"')]").endswith((".", "!", "?"))


_PARTS = re.compile(r"\s*(?:&|\+|/|,|\band\b)\s*")
_SECTION_NAMES: tuple[tuple[Section, re.Pattern[str]], ...] = tuple(
    (section, re.compile(pattern))
    for section, pattern in (
        (
            Section.PENDING,
            r"(?:decisions?\s+(?:needed|required|pending|to\s+(?:be\s+)?(?:make|made|take))"
            r"|(?:open|pending|outstanding|unresolved)\s+(?:decisions?|questions?)|to\s+decide)",
        ),
        (
            Section.ACTIONS,
            r"(?:open\s+|new\s+|key\s+)?(?:action\s+items?|action\s+points?|actions?|next\s+steps?"
            r"|follow[\s-]?ups?|to[\s-]?dos?|tasks?|assignments?)",
        ),
        (
            Section.DECISIONS,
            r"(?:key\s+|final\s+)?(?:decisions?(?:\s+(?:made|taken|log|reached))?|agreed"
            r"|agreements?|what\s+we\s+agreed)",
        ),
        (Section.SUMMARY, r"(?:executive\s+|meeting\s+)?(?:summary|tl;?dr|overview)"),
    )
)


_PARENTHESISED = re.compile(r"\([^()]*\)")
_NUMBERING = re.compile(r"^[^\w]*(?:\d+[.)]\s*)?")


def _part_kind(part: str) -> Section:
    return next((s for s, p in _SECTION_NAMES if p.fullmatch(part)), Section.NEUTRAL)


def _section_of(name: str) -> Section:
    """What a heading says its bullets are; NEUTRAL for topics and for mixed headings."""
    name = _PARENTHESISED.sub("", plain(name)).casefold()
    name = _NUMBERING.sub("", name).strip(" :.")
    kinds = {_part_kind(part.strip()) for part in _PARTS.split(name) if part.strip()}
    return kinds.pop() if len(kinds) == 1 else Section.NEUTRAL


def _heading_name(line: str, content: str) -> str | None:
    """The name of a heading line other than a markdown one: "**Action items**", "Next steps:".

    `content` is the line as plain text.
    """
    if bold := _BOLD_LINE.match(line):
        return bold["name"].strip().rstrip(":")
    if not content.endswith(":") or _BULLET.match(line):
        return None
    # "Decision: we go with B:" is a decision; "Decision needed:" alone heads what follows.
    found = marked(content)
    return content[:-1] if found is None or not found.rest.strip(" :") else None


# A line this long is a sentence, whatever words it holds.
_LONGEST_BARE_HEADING = 60


def _bare_heading(name: str) -> str | None:
    """The name of a plain-text heading: a capitalised line that is only a section's name.

    Notes written as plain text head a list with "Next Steps" or "Action Items" on a line
    of its own, without "#" or a colon. A topic ("Pricing") cannot be told from a sentence
    that way, so only the names of sections whose lines are items count.
    """
    if len(name) > _LONGEST_BARE_HEADING or not name[:1].isupper():
        return None
    return name if _section_of(name) is not Section.NEUTRAL else None


def _is_metadata(content: str) -> bool:
    """Header lines such as "**Attendees:** ..." or "Running doc: https://...": not notes."""
    if marked(content) is not None:
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

    A markdown heading rules until the next heading. A "Next steps:" style heading, or a
    plain "Next Steps" line, only rules its own list (and a paragraph right after it): notes
    often put one inside a topic section.
    """

    heading: Section = Section.NEUTRAL
    list_heading: Section | None = None
    heading_awaits_prose: bool = False
    base_indent: int | None = None
    current: Block | None = None
    blocks: list[Block] = field(default_factory=list)

    @property
    def section(self) -> Section:
        return self.heading if self.list_heading is None else self.list_heading

    def feed(self, number: int, line: str) -> None:
        stripped = line.strip()
        if not stripped or _RULE.fullmatch(stripped):
            self.close()
        elif markdown := _MD_HEADING.match(line):
            self.enter((markdown["name"] or "").rstrip(" #"), markdown=True)
        elif bullet := _BULLET.match(line):
            self.add_bullet(number, bullet)
        elif self.continues_bullet(line):
            assert self.current is not None
            self.current.pieces.append(Piece(number, plain(stripped)))
        else:
            self.add_line(number, line, plain(stripped))

    def add_line(self, number: int, line: str, content: str) -> None:
        """A line that is neither a markdown heading nor part of a bullet."""
        name = _heading_name(line, content)
        if name is None:
            name = _bare_heading(content)
        if name is not None:
            self.enter(name, markdown=False)
        elif not _is_metadata(content):
            self.add_prose(number, content)

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
            self.list_heading = None if kind is Section.NEUTRAL else kind
        self.heading_awaits_prose = self.list_heading is not None
        self.base_indent = None

    def add_bullet(self, number: int, bullet: re.Match[str]) -> None:
        self.close()
        indent = len(bullet["indent"].expandtabs(4))
        self.base_indent = indent if self.base_indent is None else min(self.base_indent, indent)
        box = bullet["box"] if bullet["box"] is not None else bullet["bare"]
        self.heading_awaits_prose = False
        self.current = Block(
            bullet=True,
            section=self.section,
            pieces=[Piece(number, plain(bullet["text"]))],
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
            self.current.pieces.append(Piece(number, content))
            return
        self.close()
        if not self.heading_awaits_prose:
            self.list_heading = None
        self.heading_awaits_prose = False
        self.base_indent = None
        self.current = Block(bullet=False, section=self.section, pieces=[Piece(number, content)])


_LINE_BREAKS = re.compile(r"\r\n?")


def source_lines(text: str) -> list[str]:
    """The lines as an editor numbers them: LF, CRLF and a lone CR each end one.

    str.splitlines() would also break at form feeds, U+2028 and other separators, and the
    source lines cited would no longer be the ones the user sees.
    """
    return _LINE_BREAKS.sub("\n", text).split("\n")


def _normalised(raw: str) -> str:
    """The line with tabs expanded and each run of spaces inside it made one space.

    Item text is whitespace-collapsed anyway; doing it first keeps every pattern linear on a
    line holding a long run of spaces. A byte order mark left in the middle of the text (two
    files pasted together) is dropped, so it cannot hide the heading it precedes.
    """
    line = raw.replace("\ufeff", "").expandtabs(4).rstrip()
    body = line.lstrip()
    return line[: len(line) - len(body)] + " ".join(body.split())


def blocks(text: str) -> list[Block]:
    outline = _Outline()
    for number, raw in enumerate(source_lines(text), start=1):
        outline.feed(number, _normalised(raw))
    outline.close()
    return outline.blocks
