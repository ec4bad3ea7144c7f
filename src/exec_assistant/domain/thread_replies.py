"""A reply in a prep request's chat thread, read as answers to its questions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from exec_assistant.domain.answers import AnswersInvalid

REPLY_LIMIT = 20_000
"""Characters in one reply: far more than any answer; a paste of a whole document is not."""
_NUMBERED = re.compile(r"^\s*(\d{1,2})\s*[.):](?:\s+(.*))?$", re.DOTALL)
"""'1. x', '2) y', '3: z'; not '3:30 works' or '1.5 hours' (no space after the mark)."""


@dataclass(frozen=True)
class ThreadReply:
    text: str
    """The whole reply, cleaned."""
    numbered: dict[str, str] = field(default_factory=dict)
    """Answers by the number each line starts with; empty for an unnumbered reply."""


def cleaned_answer(text: str) -> str:
    """An answer as a person typed it, without the control and formatting characters it
    may carry (ESC, right-to-left overrides): lines and tabs stay, trailing spaces go."""
    kept = "".join(
        c
        for c in text.replace("\r\n", "\n").replace("\r", "\n")
        if c in "\n\t" or unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co"}
    )
    lines = [line.rstrip() for line in kept.split("\n")]
    return "\n".join(lines).strip()


def typed_answer(text: str, where: str) -> str:
    """One answer typed in a form field (`where` names it: "the answer to question 2"),
    cleaned; "" for an empty one. Refused: one over 20,000 characters."""
    cleaned = cleaned_answer(text)
    if len(cleaned) > REPLY_LIMIT:
        raise AnswersInvalid(
            f"{where} has {len(cleaned):,} characters; answers are kept to {REPLY_LIMIT:,}",
            hint="Give the answer itself; attach documents to the meeting instead.",
        )
    return cleaned


def parse_thread_reply(text: str) -> ThreadReply:
    """Read a reply: numbered when its first line starts with a question number ("1. x",
    "2) y", "3: z"); then each numbered line starts that question's answer and the lines
    after it, up to the next number, continue it. Anything else is one unnumbered answer.

    Refused: an empty reply, or one over 20,000 characters.
    """
    cleaned = cleaned_answer(text)
    if not cleaned:
        raise AnswersInvalid("the reply is empty", hint="Reply with your answer.")
    if len(cleaned) > REPLY_LIMIT:
        raise AnswersInvalid(
            f"the reply has {len(cleaned):,} characters; answers are kept to {REPLY_LIMIT:,}",
            hint="Reply with the answer itself; attach documents to the meeting instead.",
        )
    lines = cleaned.split("\n")
    if _NUMBERED.match(lines[0]) is None:
        return ThreadReply(cleaned)
    numbered: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        found = _NUMBERED.match(line)
        if found is not None:
            number = str(int(found.group(1)))
            current = numbered.setdefault(number, [])
            first = (found.group(2) or "").strip()
            if first:
                current.append(first)
        else:
            current.append(line.strip())
    answers = {n: "\n".join(parts).strip() for n, parts in numbered.items()}
    return ThreadReply(cleaned, answers)
