"""Turning the outline's blocks into decisions and action items, one per line that states one.

Only what the notes state is extracted: a checkbox, a marker ("ACTION:", "Decision:"), an
assignment ("Priya to send ...", "@marcus will ..."), a bullet under a heading that says what
its bullets are, or an instruction ("Revisit the pricing model in May") in a paragraph under
such a heading. Discussion, hedges and questions are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from exec_assistant.domain.notes.dates import due_from_text
from exec_assistant.domain.notes.fields import NO_VALUE, dashed_due, fields_of
from exec_assistant.domain.notes.model import (
    Context,
    ExtractedActionItem,
    ExtractedDecision,
    Item,
    words,
)
from exec_assistant.domain.notes.outline import Block, Piece, Section, ends_sentence, marked
from exec_assistant.domain.notes.owners import (
    assignment,
    owner_from_text,
    resolve_owner,
    same_person,
)

__all__ = ["block_items", "prose_items", "unique"]

_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|might|probably|wondered|not\s+sure|someday|discussed|"
    r"mentioned|floated|(?:talked|thought|thinking)\s+about|"
    r"worth\s+(?:re)?(?:visiting|considering|looking|exploring|checking)|"
    r"some(?:one|body)\s+(?:should|could|needs?\s+to)|(?:we|you|they|i|he|she)\s+(?:could|may))\b"
    r"|^could\b",
    re.IGNORECASE,
)


def _is_question(text: str) -> bool:
    return text.rstrip(" *_)\"'").endswith("?")


def _opens_item(text: str, ctx: Context) -> bool:
    return marked(text) is not None or assignment(text, ctx) is not None


def _tidy(text: str) -> str:
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = text.strip(" ,;:-—–|")
    # rstrip, not a "\.+$" search: that backtracks quadratically on a long run of dots.
    text = text.rstrip(".").rstrip()
    return text[:1].upper() + text[1:]


def _says_nothing(text: str) -> bool:
    """Whether an item reads "None", "N/A" or "TBD": the notes say there is no item."""
    return text.casefold() in NO_VALUE


def _action(
    clause: str, line: int, ctx: Context, owner: str | None = None, done: bool = False
) -> ExtractedActionItem | None:
    fields = fields_of(clause, ctx.meeting_date)
    text, due, due_given = fields.text, fields.due, fields.due_given
    # The dated field goes first, so the owner before it ("update X - Maria - 4/2") ends
    # the text once it has gone.
    if not due_given and (dashed := dashed_due(text, ctx.meeting_date)) is not None:
        (text, due), due_given = dashed, True
    owner = (owner or "").strip() or fields.owner
    stripped, named = owner_from_text(text.strip(), ctx)
    # "Priya to send X - Owner: Priya" says Priya twice; a different name stays in the text.
    if owner is None or (named is not None and same_person(owner, named, ctx)):
        text, owner = stripped, owner or named
    if not due_given:
        text, due = due_from_text(text, ctx.meeting_date)
    text = _tidy(text)
    if _says_nothing(text):
        return None
    who, resolved = resolve_owner(owner, ctx.attendees) if owner else (None, False)
    return ExtractedActionItem(text, who, resolved, due, done, line)


def _decision(text: str, line: int, pending: bool) -> ExtractedDecision | None:
    cleaned = _tidy(text)
    return None if _says_nothing(cleaned) else ExtractedDecision(cleaned, line, pending)


def _item_for(
    kind: Section, text: str, line: int, ctx: Context, owner: str | None = None
) -> Item | None:
    if kind is Section.ACTIONS:
        return _action(text, line, ctx, owner)
    return _decision(text, line, pending=kind is Section.PENDING)


# Verbs that open a next step written as an instruction. A closed list, because any
# capitalised word opens a sentence: "Revisit the pricing model" is work, "Pricing is low"
# is not.
_INSTRUCTION_VERBS = words("""
    add adjust agree align analyse analyze announce answer approve archive arrange ask assess
    assign audit book brief bring build calculate call cancel capture chase check circulate
    clarify clean close collect communicate compare compile complete confirm connect consolidate
    contact coordinate create cut debug define delete deliver deploy design determine develop
    discuss document draft drive email engage escalate estimate evaluate examine explore extend
    file finalise finalize find finish fix flag follow forward gather get give hire identify
    implement improve inform interview introduce investigate invite involve kick line list
    loop make map measure meet merge migrate monitor move negotiate notify onboard order
    organise organize outline own pick ping plan post prep prepare present prioritise
    prioritize produce propose prototype provide publish pull push put raise reach read
    rebook reconcile record reduce refine refresh reject remind remove rename renew reply report
    request research reschedule resolve respond restart retest retire revert review revise
    revisit rewrite roll rotate run schedule scope secure send set settle share ship shortlist
    sign size socialise socialize sort source speak split start submit summarise summarize
    support sync take talk tell test track train transfer triage try turn update upgrade
    upload validate verify walk write
    """)
# Words that may precede the verb of an instruction: "Also check the alerts".
_INSTRUCTION_LEADS = words("please also then and finally next first")
# A second or third word that makes the opening a noun phrase, the subject of a sentence:
# "Review went well", "Update is pending", "Test results look good".
_SUBJECT_OF = words("""
    is are was were has have had went goes look looks looked seem seems seemed will would
    should can could may might must did does got gets needs needed remains remained stays
    stayed came took failed passed slipped moved happened showed shows itself
    """)


def _reads_as_instruction(text: str) -> bool:
    """Whether a sentence tells someone to do something: it opens with a verb of work.

    "Revisit the pricing model in May", "Also check the alert thresholds" and "Follow up
    with legal" are instructions; "These came out of the budget discussion", "Review went
    well", "Test results look good" and "Update: the vendor replied" are not. A sentence
    whose verb of work comes later ("Call with legal went well") is still misread.
    """
    opening = text.split(None, 3)
    if opening and opening[0].casefold() in _INSTRUCTION_LEADS:
        opening = opening[1:]
    if len(opening) < 2:
        return False
    verb, after = opening[0].casefold(), {w.casefold() for w in opening[1:3]}
    return verb in _INSTRUCTION_VERBS and not after & _SUBJECT_OF


_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z@])")


def _ends_text(text: str, previous: bool) -> bool:
    """Whether a sentence ends once `text` is appended to one that ended (or not) before."""
    return ends_sentence(text) if text.rstrip(" \"')]") else previous


def _wraps_onto(previous_ends: bool, line: str, ctx: Context) -> bool:
    """Whether `line` carries on a sentence left open, as a hard wrap does."""
    return (
        not previous_ends
        and not line[:1].isupper()
        and not line.startswith("@")
        and not _opens_item(line, ctx)
    )


def _sentences(pieces: Sequence[Piece], ctx: Context) -> list[Piece]:
    """Sentences with the line each starts on; a line opening an item always starts one."""
    # Each sentence is gathered as a list of parts and joined once: appending to a string
    # would copy the whole paragraph per wrapped line.
    starts: list[int] = []
    parts: list[list[str]] = []
    ends: list[bool] = []
    for piece in pieces:
        first, *rest = _SENTENCE_BREAK.split(piece.text.strip())
        if parts and _wraps_onto(ends[-1], first, ctx):
            parts[-1].append(first)
            ends[-1] = _ends_text(first, ends[-1])
        else:
            starts.append(piece.line)
            parts.append([first])
            ends.append(ends_sentence(first))
        for part in rest:
            starts.append(piece.line)
            parts.append([part])
            ends.append(ends_sentence(part))
    return [Piece(line, " ".join(sentence)) for line, sentence in zip(starts, parts, strict=True)]


def _sentence_item(sentence: Piece, ctx: Context) -> Item | None:
    if (found := marked(sentence.text)) is not None:
        return _item_for(found.kind, found.rest, sentence.line, ctx, found.owner)
    if _is_question(sentence.text) or assignment(sentence.text, ctx) is None:
        return None
    return _action(sentence.text, sentence.line, ctx)


def _instruction(sentence: Piece, ctx: Context) -> Item | None:
    """A next step without an owner, in a paragraph under an action heading."""
    if _refused(sentence.text, Section.ACTIONS) or not _reads_as_instruction(sentence.text):
        return None
    return _action(sentence.text, sentence.line, ctx)


def _runs(pieces: Sequence[Piece], ctx: Context) -> list[tuple[bool, list[Piece]]]:
    """A paragraph cut into marked lines (with their wrapped tails) and plain text between."""
    runs: list[tuple[bool, list[Piece]]] = []
    for piece in pieces:
        is_marked = marked(piece.text) is not None
        if runs and not is_marked and _joins(runs[-1], piece, ctx):
            runs[-1][1].append(piece)
        else:
            runs.append((is_marked, [piece]))
    return runs


def _joins(run: tuple[bool, list[Piece]], piece: Piece, ctx: Context) -> bool:
    is_marked, pieces = run
    return not is_marked or _wraps_onto(ends_sentence(pieces[-1].text), piece.text, ctx)


def prose_items(block: Block, ctx: Context) -> tuple[list[Item], list[str]]:
    """Items in a paragraph, and the sentences that are none (the paragraph's prose)."""
    items: list[Item] = []
    prose: list[str] = []
    for is_marked, pieces in _runs(block.pieces, ctx):
        if is_marked:
            joined = " ".join(p.text for p in pieces)
            items.extend(_listed(_sentence_item(Piece(pieces[0].line, joined), ctx)))
            continue
        for sentence in _sentences(pieces, ctx):
            item = _sentence_item(sentence, ctx)
            if item is None and block.section is Section.ACTIONS:
                item = _instruction(sentence, ctx)
            if item is None:
                prose.append(sentence.text)
            else:
                items.append(item)
    return items, prose


def _listed(item: Item | None) -> list[Item]:
    return [] if item is None else [item]


def _refused(text: str, section: Section) -> bool:
    if section is Section.PENDING:
        return False
    return _is_question(text) or (section is Section.ACTIONS and bool(_HEDGE.search(text)))


_LISTING_SECTIONS = frozenset({Section.ACTIONS, Section.DECISIONS, Section.PENDING})


def _bullet_items(block: Block, ctx: Context) -> list[Item]:
    """A checkbox or a marker decides first, then the heading, then sentence conventions."""
    text, line = block.text, block.line
    if block.box is not None:
        found = marked(text)
        if found is not None and found.kind is Section.ACTIONS:
            text, owner = found.rest, found.owner
        else:
            owner = None
        return _listed(_action(text, line, ctx, owner, done=block.box.lower() == "x"))
    if (found := marked(text)) is not None:
        return _listed(_item_for(found.kind, found.rest, line, ctx, found.owner))
    # A sub-bullet details its parent; only its own explicit conventions make it an item.
    section = Section.NEUTRAL if block.nested else block.section
    if section in _LISTING_SECTIONS:
        return [] if _refused(text, section) else _listed(_item_for(section, text, line, ctx))
    return [i for s in _sentences(block.pieces, ctx) for i in _listed(_sentence_item(s, ctx))]


def block_items(block: Block, ctx: Context) -> list[Item]:
    return _bullet_items(block, ctx) if block.bullet else prose_items(block, ctx)[0]


def _key(item: Item) -> tuple[object, ...]:
    if isinstance(item, ExtractedDecision):
        return ("decision", item.pending, item.text.casefold())
    return ("action", item.text.casefold(), item.owner)


def unique(items: Sequence[Item]) -> list[Item]:
    """The first of each item noted twice, e.g. inline and again in the action list."""
    seen: set[tuple[object, ...]] = set()
    kept: list[Item] = []
    for item in items:
        if _key(item) not in seen:
            seen.add(_key(item))
            kept.append(item)
    return kept
