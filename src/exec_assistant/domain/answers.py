"""Answers to a meeting's prep questions, checked against the questions they answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exec_assistant.domain.errors import ExecAssistantError

RawAnswers = Sequence[Any] | Mapping[Any, Any]
"""As a person gives them: a list in question order, or a mapping of question number (or the
question's text) to answer."""


FOLLOW_UP_SECTION = "follow_up"
"""In a mapping of answers, the answers to follow-up questions, by the number of the question
each follows up: `follow_up: {2: "INC-2291, the checkout outage"}`."""


class AnswersInvalid(ExecAssistantError):
    exit_code = 2


def _question_list(questions: Sequence[str]) -> str:
    if not questions:
        return "This meeting's type asks no prep questions."
    lines = "\n".join(f"  {n}. {q}" for n, q in enumerate(questions, start=1))
    return f"The questions are:\n{lines}"


def _text(value: Any, where: str, source: str, questions: Sequence[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | dict | set):
        kind = "a mapping" if isinstance(value, dict) else "a list"
        raise AnswersInvalid(
            f"{source}: the answer to {where} is {kind}; give it as text "
            "(one string, several lines if you like)",
            hint=_question_list(questions),
        )
    text = str(value).strip()
    return text or None


def validate_answers(raw: RawAnswers, questions: Sequence[str], source: str) -> dict[str, str]:
    """Answers by question number ("1", "2", ...), empty ones left out.

    Refused, with the questions listed: more answers than questions, a question number that
    does not exist, a key that is neither a number nor one of the questions, an answer that is
    a list or a mapping instead of text.
    """
    result: dict[str, str] = {}
    if isinstance(raw, Mapping):
        by_text = {q.strip().lower(): n for n, q in enumerate(questions, start=1)}
        for key, value in raw.items():
            label = str(key).strip()
            if label == FOLLOW_UP_SECTION:
                continue  # see follow_up_answers
            if (isinstance(key, int) and not isinstance(key, bool)) or label.isdigit():
                number = int(label)
                if not 1 <= number <= len(questions):
                    raise AnswersInvalid(
                        f"{source}: there is no question {number}; this meeting has "
                        f"{len(questions)}",
                        hint=_question_list(questions),
                    )
            elif label.lower() in by_text:
                number = by_text[label.lower()]
            else:
                raise AnswersInvalid(
                    f"{source}: '{label[:80]}' is not a question number or one of the questions",
                    hint=_question_list(questions),
                )
            text = _text(value, f"question {number}", source, questions)
            if text is not None:
                result[str(number)] = text
        return result
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise AnswersInvalid(
            f"{source}: expected a list of answers in question order, or a mapping of question "
            f"number to answer; found {type(raw).__name__}",
            hint=_question_list(questions),
        )
    if len(raw) > len(questions):
        raise AnswersInvalid(
            f"{source}: {len(raw)} answers for {len(questions)} questions",
            hint=_question_list(questions),
        )
    for number, value in enumerate(raw, start=1):
        text = _text(value, f"question {number}", source, questions)
        if text is not None:
            result[str(number)] = text
    return result


def follow_up_answers(raw: RawAnswers, questions: Sequence[str], source: str) -> dict[str, str]:
    """The answers to follow-up questions in `raw`'s `follow_up` section, by the number of the
    question each follows up; checked as answers are."""
    if not isinstance(raw, Mapping) or FOLLOW_UP_SECTION not in raw:
        return {}
    section = raw[FOLLOW_UP_SECTION]
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise AnswersInvalid(
            f"{source}: '{FOLLOW_UP_SECTION}' holds the answers to follow-up questions, as a "
            "mapping of question number to answer (follow_up: {2: ...}); found "
            f"{type(section).__name__}",
            hint=_question_list(questions),
        )
    return validate_answers(section, questions, f"{source} ({FOLLOW_UP_SECTION})")
