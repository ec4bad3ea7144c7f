"""The doctor's report: one line per check, what to fix below, and as JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from exec_assistant.display_text import safe_text
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck
from exec_assistant.domain.text import plural, without_passwords
from exec_assistant.services.doctor import DoctorReport

_MARKS = {
    CheckStatus.OK: ("✓", "green"),
    CheckStatus.WARNING: ("!", "yellow"),
    CheckStatus.FAILED: ("✗", "red"),
    CheckStatus.SKIPPED: ("-", "dim"),
}


def _text(value: str) -> Text:
    # Details quote what servers and files said: shown as text, never as markup.
    return safe_text(without_passwords(value))


_ORDER = (CheckStatus.FAILED, CheckStatus.WARNING, CheckStatus.OK, CheckStatus.SKIPPED)


def doctor_view(report: DoctorReport, width: int) -> RenderableType:
    """Each integration on a line of its own, its checks beneath, each fix under its check:
    paths and URLs are long, and a column of them would leave no room for what was found."""
    if not report.checks:
        return Text(
            "Nothing is configured to check: no calendars, no Slack, no context sources. "
            "Run 'exec-assistant config check' to see the settings."
        )
    by_integration: dict[str, list[IntegrationCheck]] = {}
    for check in report.checks:
        by_integration.setdefault(check.integration, []).append(check)
    check_width = max(len(c.check) for c in report.checks)
    parts: list[RenderableType] = []
    for integration, checks in by_integration.items():
        worst = min(checks, key=lambda c: _ORDER.index(c.status)).status
        mark, style = _MARKS[worst]
        name = _text(integration)
        name.stylize("bold")
        parts.append(Text.assemble((f"{mark} ", style), name))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=2)
        grid.add_column(width=1)
        grid.add_column(width=check_width, no_wrap=True)
        grid.add_column(overflow="fold")
        for check in checks:
            mark, style = _MARKS[check.status]
            grid.add_row("", Text(mark, style=style), Text(check.check), _text(check.detail))
            if check.fix and check.status != CheckStatus.OK:
                grid.add_row("", "", "", Text.assemble(("fix: ", "bold"), _text(check.fix)))
        parts.append(grid)
    failed = report.count(CheckStatus.FAILED)
    warned = report.count(CheckStatus.WARNING)
    summary = (
        f"{plural(len(by_integration), 'integration')}, {plural(len(report.checks), 'check')}: "
        f"{failed} failed, {warned} {'warning' if warned == 1 else 'warnings'}."
    )
    parts.append(Text(summary, style="red" if failed else "yellow" if warned else "green"))
    return Group(*parts)


def doctor_json(report: DoctorReport) -> dict[str, Any]:
    return {
        "healthy": report.healthy,
        "checks": [
            {
                "integration": without_passwords(c.integration),
                "check": c.check,
                "status": c.status.value,
                "detail": without_passwords(c.detail),
                "fix": without_passwords(c.fix) if c.fix else None,
            }
            for c in report.checks
        ],
    }
