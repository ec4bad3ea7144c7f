"""What `notes`, `actions` and `decisions` print: the notes' results and the two registers."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from exec_assistant.display_text import BLOCK_LIMIT, LINE_LIMIT, TITLE_LIMIT, safe_text
from exec_assistant.domain.models import ActionItem, DecisionStatus, MeetingSummary
from exec_assistant.presentation.fitted_table import TableColumn, fitted_table
from exec_assistant.services.action_item_sync import ItemSyncReport
from exec_assistant.services.followup import ActionItemView, DecisionView
from exec_assistant.services.notes import NotesResult


def _owner(item: ActionItem, *, flag_unresolved: str) -> Text:
    """The owner as written in the notes; one who is not an attendee is marked."""
    if not item.owner:
        return Text("—")
    owner = safe_text(item.owner, limit=TITLE_LIMIT)
    if not item.owner_resolved:
        if flag_unresolved:
            owner.append(flag_unresolved, style="yellow")
        else:
            owner.stylize("yellow")
    return owner


def _status(item: ActionItem) -> Text:
    """open or done, and the item's issue in the tracker under it."""
    status = Text(item.status.value)
    if item.tracker_key:
        status.append("\n")
        status.append_text(safe_text(item.tracker_key, limit=40, style="dim"))
    return status


def _meeting_label(meeting: MeetingSummary | None, meeting_id: str, zone: ZoneInfo) -> Text:
    if meeting is None:
        return safe_text(meeting_id, limit=TITLE_LIMIT)
    title = safe_text(meeting.title, limit=TITLE_LIMIT)
    title.append(f" ({meeting.start.astimezone(zone):%d %b})", style="dim")
    return title


def notes_report(result: NotesResult, width: int) -> Group:
    """The meeting, the summary, the decisions, the action items (a table) and what else the
    notes closed; every text from the notes shown as written."""
    parts: list[RenderableType] = [
        Text.assemble(
            safe_text(result.meeting.title, limit=TITLE_LIMIT, style="bold"),
            " — notes stored, meeting completed.",
        ),
        Text.assemble("Summary: ", safe_text(result.summary, limit=BLOCK_LIMIT, multiline=True)),
    ]
    if result.decisions:
        parts.append(Text("\nDecisions", style="bold"))
        for d in result.decisions:
            label = "pending" if d.status == DecisionStatus.PENDING else "decided"
            parts.append(
                Text.assemble(
                    f"  line {d.source_line}: " if d.source_line else "  ",
                    safe_text(d.text, limit=LINE_LIMIT),
                    (f" ({label})", "dim"),
                )
            )
    if result.action_items:
        items = result.action_items
        parts.append(
            fitted_table(
                [
                    TableColumn("Line", [Text(str(i.source_line)) for i in items], justify="right"),
                    TableColumn(
                        "Action item",
                        [safe_text(i.text, limit=LINE_LIMIT) for i in items],
                        wrap=True,
                    ),
                    TableColumn(
                        "Owner",
                        [_owner(i, flag_unresolved=" (not an attendee)") for i in items],
                        wrap=True,
                        grow_rank=1,
                    ),
                    TableColumn("Due", [Text(i.due.isoformat() if i.due else "—") for i in items]),
                    TableColumn("Status", [Text(i.status.value) for i in items]),
                ],
                width,
            )
        )
    if result.closed_elsewhere:
        parts.append(
            Text(f"{len(result.closed_elsewhere)} open items of earlier meetings marked done.")
        )
    if not result.decisions and not result.action_items:
        parts.append(Text("No decisions or action items found in these notes."))
    return Group(*parts)


def action_items_table(views: Sequence[ActionItemView], zone: ZoneInfo, width: int) -> Group:
    """The action items register, soonest due first as given, and a count of overdue ones.

    Owners not among the meeting's attendees are in yellow; overdue dates say so in red.
    """
    due_cells = []
    for v in views:
        due = Text(v.item.due.isoformat() if v.item.due else "—")
        if v.overdue:
            due.append("\noverdue", style="bold red")
        due_cells.append(due)
    table = fitted_table(
        [
            TableColumn("Due", due_cells),
            TableColumn(
                "Owner",
                [_owner(v.item, flag_unresolved="") for v in views],
                wrap=True,
                grow_rank=1,
            ),
            TableColumn(
                "Action item", [safe_text(v.item.text, limit=LINE_LIMIT) for v in views], wrap=True
            ),
            TableColumn("Status", [_status(v.item) for v in views]),
            TableColumn(
                "From",
                [_meeting_label(v.meeting, v.item.meeting_id, zone) for v in views],
                wrap=True,
                grow_rank=1,
            ),
            TableColumn("Line", [Text(str(v.item.source_line)) for v in views], justify="right"),
        ],
        width,
    )
    overdue = sum(1 for v in views if v.overdue)
    return Group(table, Text(f"{len(views)} items, {overdue} overdue."))


def decisions_table(views: Sequence[DecisionView], zone: ZoneInfo, width: int) -> RenderableType:
    """The decision register: status, decision, the meeting it was taken in, the notes line."""
    return fitted_table(
        [
            TableColumn("Status", [Text(v.decision.status.value) for v in views]),
            TableColumn(
                "Decision", [safe_text(v.decision.text, limit=LINE_LIMIT) for v in views], wrap=True
            ),
            TableColumn(
                "Meeting",
                [_meeting_label(v.meeting, v.decision.meeting_id, zone) for v in views],
                wrap=True,
                grow_rank=1,
            ),
            TableColumn(
                "Line",
                [Text(str(v.decision.source_line or "—")) for v in views],
                justify="right",
            ),
        ],
        width,
    )


def item_sync_lines(report: ItemSyncReport, texts: dict[str, str]) -> list[Text]:
    """What a sync with the tracker did: each issue created and each item it closed (with
    the item's text, from `texts` by id), what was refused and why, and what waits."""
    lines: list[Text] = []
    for made in report.created:
        lines.append(_item_line("created", made.key, texts.get(made.item_id, made.item_id)))
    for closed in report.closed:
        lines.append(_item_line("done   ", closed.key, texts.get(closed.item_id, closed.item_id)))
    for failed in report.failed:
        lines.append(
            Text.assemble(
                ("not synced ", "red"),
                safe_text(texts.get(failed.item_id, failed.item_id), limit=80),
                ": ",
                safe_text(failed.reason, limit=LINE_LIMIT),
            )
        )
    counts = [f"{len(report.created)} created", f"{len(report.closed)} closed"]
    if report.failed:
        counts.append(f"{len(report.failed)} not synced")
    if report.waiting:
        counts.append(f"{report.waiting} left for the next sync")
    lines.append(Text(f"{report.tracker}: {', '.join(counts)}."))
    return lines


def _item_line(what: str, key: str, text: str) -> Text:
    return Text.assemble(
        (f"{what} ", "green"),
        safe_text(key, limit=40, style="bold"),
        "  ",
        safe_text(text, limit=LINE_LIMIT),
    )
