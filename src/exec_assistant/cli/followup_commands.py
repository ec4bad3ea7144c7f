"""Follow-up commands: notes, actions, decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from exec_assistant.bootstrap import build_local, build_notes_reader, build_tracker, secret_store
from exec_assistant.cli.common import (
    JsonOption,
    NowOption,
    app,
    load_command_settings,
    make_clock,
    print_json,
    read_limited,
    ui,
)
from exec_assistant.cli.runtimes import Runtime, RuntimeOption, open_records
from exec_assistant.display_text import LINE_LIMIT, safe_text
from exec_assistant.domain.errors import UsageError
from exec_assistant.domain.text import plural
from exec_assistant.domain.text_files import decode_text
from exec_assistant.ports import Clock
from exec_assistant.presentation import (
    action_items_table,
    decisions_table,
    item_sync_lines,
    notes_report,
)
from exec_assistant.services.action_item_sync import sync_action_items
from exec_assistant.services.followup import list_action_items, list_decisions
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.notes import PARSER, NotesResult, process_notes
from exec_assistant.settings import Settings

NOTES_LIMIT_BYTES = 50 * 1024 * 1024


@app.command()
def notes(
    ctx: typer.Context,
    meeting_id: Annotated[str, typer.Argument(help="The meeting's id, from 'meetings'.")],
    file: Annotated[Path, typer.Argument(help="The meeting notes (Markdown or plain text).")],
    force: Annotated[
        bool, typer.Option("--force", help="Store notes for a meeting that has not started yet.")
    ] = False,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Store a meeting's notes and turn them into a summary, decisions and action items.

    Understands the notes template ('- [ ] text - Owner: NAME - Due: DATE'), 'ACTION:' and
    'Decision:' lines, 'NAME to VERB ... by DATE', '@name will ...', and bullets under
    headings like Action Items, Next Steps and Decisions. Every item cites its line; owners
    that are not attendees are kept as written and marked unresolved. Giving corrected notes
    again replaces what the earlier ones produced. Works while 'exec-assistant serve' runs.
    """
    settings, _ = load_command_settings(ctx)
    run_notes(settings, meeting_id, file, force=force, as_json=as_json, now=now)


def run_notes(
    settings: Settings,
    meeting_id: str,
    file: Path,
    *,
    force: bool = False,
    as_json: bool = False,
    now: str | None = None,
) -> None:
    """The `notes` command once its settings are loaded: with a model configured, the Notes
    agent reads the notes beside the parser (and the output says who read them)."""
    clock = make_clock(now, settings, running=False)
    instant = clock.now()
    try:
        text = decode_text(read_limited(file, NOTES_LIMIT_BYTES, "notes file"), str(file))
    except FileNotFoundError:
        raise UsageError(f"notes file {file} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"notes file {file} is a folder, not a file") from None
    except OSError as exc:
        raise UsageError(f"cannot read notes file {file}: {exc.strerror or exc}") from None
    local = build_local(settings, command="notes", exclusive=False)
    try:
        reader = build_notes_reader(local, clock, secret_store())
        meeting = find_meeting(local.meetings, meeting_id)
        result = process_notes(
            meeting.meeting_id,
            text,
            meetings=local.meetings,
            action_items=local.action_items,
            decisions=local.decisions,
            documents=local.documents,
            meeting_date=meeting.start.astimezone(settings.zone).date(),
            now=instant,
            force=force,
            reader=reader,
            catalog=local.config.catalog if reader is not None else None,
            private_providers=tuple(settings.private_providers),
        )
    finally:
        local.close()
    if as_json:
        print_json(result.as_json())
        return
    ui.out.print(notes_report(result, ui.out.width))
    if reader is not None:
        ui.out.print(reader_line(result))


SHOWN_REASONS = 3


def reader_line(result: NotesResult) -> Text:
    """Who read the notes: the model (and what of its answer was not kept), or the parser
    and why the model's reading was not used."""
    if result.fallback_reason is not None or result.read_by == PARSER:
        return Text.assemble(
            ("Read by the parser", "yellow"),
            ": ",
            safe_text(result.fallback_reason or "no model read these notes", limit=LINE_LIMIT),
        )
    line = Text.assemble(("Read by ", "dim"), safe_text(result.read_by, limit=80))
    if result.dropped:
        shown = result.dropped[:SHOWN_REASONS]
        more = len(result.dropped) - len(shown)
        line.append(f"; {plural(len(result.dropped), 'finding')} of the model not kept: ")
        line.append_text(safe_text("; ".join(shown), limit=LINE_LIMIT * SHOWN_REASONS))
        if more:
            line.append(f" (and {more} more)")
    return line


@app.command()
def actions(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option(help="Only this person's items: a name, first name or email.")
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only items not done.")] = False,
    sync: Annotated[
        bool,
        typer.Option(
            "--sync",
            help="First sync with the tracker of context.yaml (Jira): accepted items get an "
            "issue, and items whose issue is done are marked done. 'serve' does this by "
            "itself.",
        ),
    ] = False,
    as_json: JsonOption = False,
    now: NowOption = None,
    runtime: RuntimeOption = Runtime.LOCAL,
) -> None:
    """List action items across meetings, soonest due first; overdue ones are flagged, and
    an item's issue in the tracker is shown under its status."""
    settings, _ = load_command_settings(ctx)
    clock = make_clock(now, settings, running=False)
    today = clock.now().astimezone(settings.zone).date()
    unavailable = None
    if sync:
        if runtime != Runtime.LOCAL:
            raise UsageError(
                "--sync works on the data folder (--runtime local)",
                hint="On AWS the calendar monitor syncs the items at each of its runs.",
            )
        unavailable = _sync_items(settings, clock, to_stderr=as_json)
    with open_records(settings, runtime, "actions") as records:
        views = list_action_items(
            records.action_items, records.meetings, today, owner=owner, open_only=open_only
        )
    if as_json:
        print_json([_item_json(v) for v in views])
    elif not views:
        who = Text.assemble(" for '", safe_text(owner, limit=80), "'") if owner else ""
        ui.out.print(Text.assemble("No action items", who, "."))
    else:
        ui.out.print(action_items_table(views, settings.zone, ui.out.width))
    if unavailable is not None:
        ui.err.print(Text.assemble(("error: ", "red"), safe_text(unavailable, limit=LINE_LIMIT)))
        raise typer.Exit(1)


def _sync_items(settings: Settings, clock: Clock, *, to_stderr: bool) -> str | None:
    """The items' sync with the tracker, told line by line; why the tracker could not be
    used, or None. Refused while 'serve' runs on the folder: two syncs at once could each
    create an item's issue."""
    local = build_local(settings, command="actions --sync", exclusive=True)
    try:
        tracker = build_tracker(local, clock, secret_store())
        if tracker is None:
            raise UsageError(
                "--sync: no tracker is configured (context.yaml has no action_items section)",
                hint=f"Add to {settings.context_path / 'context.yaml'}:\n"
                "  action_items:\n    source: jira\n"
                "    base_url: https://<site>.atlassian.net\n    project: OPS",
            )
        report = sync_action_items(local.action_items, local.meetings, tracker, clock)
        texts = {i.item_id: i.text for i in local.action_items.list()}
    finally:
        local.close()
    console = ui.err if to_stderr else ui.out
    for line in item_sync_lines(report, texts):
        console.print(line)
    return report.unavailable


def _item_json(view: Any) -> dict[str, Any]:
    item = view.item
    return {
        "item_id": item.item_id,
        "text": item.text,
        "owner": item.owner,
        "owner_resolved": item.owner_resolved,
        "due": item.due.isoformat() if item.due else None,
        "status": item.status.value,
        "overdue": view.overdue,
        "meeting_id": item.meeting_id,
        "meeting_title": view.meeting.title if view.meeting else None,
        "source_line": item.source_line,
        "tracker_key": item.tracker_key,
        "tracker_url": item.tracker_url,
    }


@app.command()
def decisions(
    ctx: typer.Context,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only decisions still to be made.")
    ] = False,
    as_json: JsonOption = False,
    runtime: RuntimeOption = Runtime.LOCAL,
) -> None:
    """The decision register: what was decided in which meeting, and what is still open."""
    settings, _ = load_command_settings(ctx)
    with open_records(settings, runtime, "decisions") as records:
        views = list_decisions(records.decisions, records.meetings, open_only=open_only)
    if as_json:
        print_json(
            [
                {
                    "decision_id": v.decision.decision_id,
                    "text": v.decision.text,
                    "status": v.decision.status.value,
                    "meeting_id": v.decision.meeting_id,
                    "meeting_title": v.meeting.title if v.meeting else None,
                    "source_line": v.decision.source_line,
                }
                for v in views
            ]
        )
        return
    if not views:
        ui.out.print("No decisions recorded yet." if not open_only else "No open decisions.")
        return
    ui.out.print(decisions_table(views, settings.zone, ui.out.width))
