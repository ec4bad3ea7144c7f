"""Fixtures of the list pages' tests (Commitments, a person, Decisions, Usage)."""

from __future__ import annotations

import pytest

from exec_assistant.domain.models import Meeting

from web_lists import ListsRig, lists_rig, meeting_on


@pytest.fixture
def lists() -> ListsRig:
    """The web app at noon in New York on Wednesday 2 December 2026, nothing stored."""
    return lists_rig()


@pytest.fixture
def ilt(lists: ListsRig) -> Meeting:
    """The last Infrastructure Leadership Team, on Monday 30 November, stored."""
    meeting = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(meeting)
    return meeting
