"""Follow-up questions on vague prep answers: what may be asked, and how its answer joins the
answer it makes concrete."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from exec_assistant.domain.models import ChatSession, FollowUpTurn

FOLLOW_UP_LIMIT = 200
"""Characters in a follow-up question: one short question, not a questionnaire."""
JOINER = " — "


@dataclass(frozen=True)
class FollowUp:
    """One short question that would make the answer to question `question_number` concrete."""

    question_number: str
    question: str


def acceptable_follow_up(
    question_number: str | None, question: str | None, session: ChatSession
) -> FollowUp | None:
    """The follow-up a reviewer proposed, if it may go to the executive; None otherwise.

    It must be about one of the session's questions that has an answer, and be one line of
    at most 200 characters with no control or formatting characters (no ESC, no
    right-to-left override): "Which incident: the checkout outage on 24 November?" passes;
    a number that is not a question, an empty or a 3-line question does not.
    """
    if question_number is None or question is None:
        return None
    number = question_number.strip()
    text = question.strip()
    if number not in session.answers or not number.isdigit():
        return None
    if not 1 <= int(number) <= len(session.questions):
        return None
    if not text or len(text) > FOLLOW_UP_LIMIT:
        return None
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for c in text):
        return None
    return FollowUp(number, text)


def join_answer(original: str, addition: str) -> str:
    """The answer with what the follow-up added: "the incident — INC-2291, checkout"."""
    addition = addition.strip()
    if not addition or addition == original:
        return original
    if not original or addition.startswith(original):
        return addition  # the answer typed again, with more: it replaces the first
    return f"{original}{JOINER}{addition}"


def with_follow_up_answer(session: ChatSession, answer: str) -> ChatSession:
    """The session with its waiting follow-up answered ("" for none) and the answer joined."""
    pending = session.pending_follow_up
    if pending is None:
        return session
    text = answer.strip()
    number = pending.question_number
    answers = dict(session.answers)
    if text:
        answers[number] = join_answer(answers.get(number, ""), text)
    turns = (*session.follow_ups[:-1], pending.model_copy(update={"answer": text}))
    return session.model_copy(update={"answers": answers, "follow_ups": turns})


def with_submitted(session: ChatSession, submitted: Mapping[str, str]) -> ChatSession:
    """The session after answers given again while it waits for a follow-up (or decides on
    one): the answer to the follow-up's question answers the follow-up, and other answers
    fill in or replace theirs.

    The same answer as before answers nothing; leaving the follow-up's question out says
    the executive has nothing to add, and the prep goes on with what it has.
    """
    answers = dict(session.answers)
    pending = session.pending_follow_up
    number = pending.question_number if pending else None
    for key, value in submitted.items():
        if key != number:
            answers[key] = value
    updated = session.model_copy(update={"answers": answers})
    if pending is None:
        return updated
    given = submitted.get(pending.question_number, "")
    if given == session.answers.get(pending.question_number):
        given = ""
    return with_follow_up_answer(updated, given)


def follow_up_turn(follow_up: FollowUp) -> FollowUpTurn:
    return FollowUpTurn(question_number=follow_up.question_number, question=follow_up.question)
