"""Answers to prep questions, given ahead in a YAML or JSON file (non-interactive runs).

One meeting's answers are a list in question order, or a mapping by question number or text.
A file for several meetings has a `meetings:` mapping whose keys are meeting ids, titles or
meeting type ids, each holding one meeting's answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from exec_assistant.domain.errors import UsageError
from exec_assistant.domain.models import Meeting


def _one_meeting(value: Any, path: Path, where: str) -> dict[str, str]:
    if isinstance(value, list):
        return {str(i): str(v) for i, v in enumerate(value, start=1) if v is not None}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v is not None}
    raise UsageError(
        f"invalid answers file {path}{where}: expected a list of answers in question order, "
        f"or a mapping of question number to answer; found {type(value).__name__}"
    )


class AnswersFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"answers file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read answers file {path}: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            raise UsageError(
                f"answers file {path}{where} is not valid YAML or JSON: "
                f"{getattr(exc, 'problem', exc)}"
            ) from None
        if data is None:
            raise UsageError(f"answers file {path} is empty")
        self._single: dict[str, str] | None = None
        self._by_key: dict[str, dict[str, str]] = {}
        if isinstance(data, dict) and set(data) == {"meetings"}:
            meetings = data["meetings"]
            if not isinstance(meetings, dict):
                raise UsageError(f"invalid answers file {path}: 'meetings' must be a mapping")
            for key, value in meetings.items():
                self._by_key[str(key).strip().lower()] = _one_meeting(value, path, f" ({key})")
        else:
            self._single = _one_meeting(data, path, "")

    def answers_for(self, meeting: Meeting) -> dict[str, str] | None:
        if self._single is not None:
            return dict(self._single)
        for key in (meeting.meeting_id, meeting.title, meeting.meeting_type or ""):
            found = self._by_key.get(key.strip().lower())
            if found is not None:
                return dict(found)
        return None
