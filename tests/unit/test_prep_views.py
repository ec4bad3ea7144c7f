"""What `prep` and `answer` print about where a prep stands."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from exec_assistant.cli.views import print_prep
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import MeetingStatus

from factories import NEW_YORK, event

START = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _shown(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive, now: datetime
) -> str:
    meeting = assess_event(
        event("Weekly sync", start=START),
        None,
        catalog,
        rules,
        executive,
        None,
        START - timedelta(days=1),
    ).model_copy(update={"status": MeetingStatus.MATERIALS_READY, "pack_location": "/p/agenda.md"})
    out = io.StringIO()
    print_prep(meeting, None, None, NEW_YORK, now, Console(file=out, width=120))
    return out.getvalue()


def test_the_final_reminder_is_announced_while_it_is_ahead(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    shown = _shown(catalog, rules, executive, START - timedelta(hours=5))
    assert "Pack ready: /p/agenda.md" in shown
    assert "Final reminder at Wed 02 Dec 08:00" in shown


def test_no_final_reminder_is_announced_once_its_time_has_passed(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    shown = _shown(catalog, rules, executive, START - timedelta(hours=1))
    assert "Pack ready" in shown and "Final reminder" not in shown
