"""How meetings and results read: JSON objects for machines, tables and lines for people.

Every string that came from outside (a calendar, notes, answers, a config file, a path) is
shown through `exec_assistant.display_text`: never read as markup, controls made visible.
"""

from __future__ import annotations

from exec_assistant.presentation.fitted_table import TableColumn, fitted_table
from exec_assistant.presentation.followup import (
    action_items_table,
    decisions_table,
    item_sync_lines,
    notes_report,
)
from exec_assistant.presentation.meetings import (
    STATUS_STYLE,
    meeting_json,
    meetings_table,
    short_id,
    status_text,
)
from exec_assistant.presentation.settings_table import (
    config_report,
    environment_variable,
    settings_table,
)
from exec_assistant.presentation.sync import sync_counts, sync_json, sync_report
from exec_assistant.presentation.times import iso, window_text

__all__ = [
    "STATUS_STYLE",
    "TableColumn",
    "action_items_table",
    "config_report",
    "decisions_table",
    "environment_variable",
    "fitted_table",
    "iso",
    "item_sync_lines",
    "meeting_json",
    "meetings_table",
    "notes_report",
    "settings_table",
    "short_id",
    "status_text",
    "sync_counts",
    "sync_json",
    "sync_report",
    "window_text",
]
