"""Answers to prep questions, given ahead in a YAML or JSON file (non-interactive runs).

One meeting's answers are a list in question order, or a mapping by question number or text.
A file for several meetings has a `meetings:` mapping whose keys are meeting ids, titles or
meeting type ids, each holding one meeting's answers. Answers are checked against the
meeting's questions when they are used: a question number that does not exist, more answers
than questions, or an answer that is not text is an error that lists the questions.

A meeting's mapping may hold the answers to follow-up questions too, in a `follow_up` section
by the number of the question each follows up: `follow_up: {2: "INC-2291, the checkout
outage"}`; the answer is joined to question 2's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from exec_assistant.domain.answers import RawAnswers, follow_up_answers, validate_answers
from exec_assistant.domain.errors import UsageError
from exec_assistant.domain.models import Meeting
from exec_assistant.domain.text_files import decode_text


class _WordsLoader(yaml.SafeLoader):
    """YAML that keeps the words typed: `no`, `0755` and `12:30` stay text (YAML 1.1 would
    read them as false, 493 and 750); only an empty value or `null` means no answer."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


ANSWERS_LIMIT_BYTES = 1024 * 1024


def _one_meeting(value: Any, path: Path, where: str) -> RawAnswers:
    if isinstance(value, list | dict):
        return value
    raise UsageError(
        f"invalid answers file {path}{where}: expected a list of answers in question order, "
        f"or a mapping of question number to answer; found {type(value).__name__}"
    )


class AnswersFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with path.open("rb") as handle:
                data_bytes = handle.read(ANSWERS_LIMIT_BYTES + 1)
            if len(data_bytes) > ANSWERS_LIMIT_BYTES:
                raise UsageError(f"answers file {path} is larger than 1 MB; is it the right file?")
            text = decode_text(data_bytes, f"answers file {path}")
            data = yaml.load(text, Loader=_WordsLoader)
        except FileNotFoundError:
            raise UsageError(f"answers file {path} does not exist") from None
        except IsADirectoryError:
            raise UsageError(f"answers file {path} is a folder, not a file") from None
        except OSError as exc:
            raise UsageError(f"cannot read answers file {path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            raise UsageError(
                f"answers file {path}{where} is not valid YAML or JSON: "
                f"{getattr(exc, 'problem', exc)}"
            ) from None
        if data is None:
            raise UsageError(f"answers file {path} is empty")
        self._single: RawAnswers | None = None
        self._by_key: dict[str, RawAnswers] = {}
        if isinstance(data, dict) and set(data) == {"meetings"}:
            meetings = data["meetings"]
            if not isinstance(meetings, dict):
                raise UsageError(f"invalid answers file {path}: 'meetings' must be a mapping")
            for key, value in meetings.items():
                self._by_key[str(key).strip().lower()] = _one_meeting(value, path, f" ({key})")
        else:
            self._single = _one_meeting(data, path, "")

    def raw_for(self, meeting: Meeting) -> RawAnswers | None:
        """The answers given for this meeting, unchecked; None when the file has none."""
        if self._single is not None:
            return self._single
        for key in (meeting.meeting_id, meeting.title, meeting.meeting_type or ""):
            found = self._by_key.get(key.strip().lower())
            if found is not None:
                return found
        return None

    def answers_for(self, meeting: Meeting, questions: Sequence[str]) -> dict[str, str] | None:
        """The meeting's answers by question number, checked against its questions."""
        raw = self.raw_for(meeting)
        if raw is None:
            return None
        if isinstance(raw, Mapping | list):
            return validate_answers(raw, questions, f"answers file {self.path}")
        return None

    def follow_up_for(
        self, meeting: Meeting, questions: Sequence[str], question_number: str
    ) -> str | None:
        """The answer to a follow-up on question `question_number`; None when the file has
        none."""
        raw = self.raw_for(meeting)
        if raw is None:
            return None
        given = follow_up_answers(raw, questions, f"answers file {self.path}")
        return given.get(question_number)
