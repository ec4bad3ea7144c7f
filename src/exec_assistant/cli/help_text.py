"""Command help that reads as paragraphs at any width.

typer 0.29 keeps the single line breaks of a docstring after its first paragraph, so help
written at 92 columns came out as ragged lines at 80. Each command's help is rewrapped once,
before the first command runs: lines of a paragraph joined, paragraphs and lists kept."""

from __future__ import annotations

import inspect
import re

import typer

_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def as_paragraphs(doc: str) -> str:
    """Single line breaks inside a paragraph become spaces; a blank line, a list item, an
    indented line and click's no-rewrap marker (\\b) keep theirs."""
    paragraphs = []
    for paragraph in inspect.cleandoc(doc).split("\n\n"):
        if paragraph.startswith("\b"):
            paragraphs.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.split("\n"):
            if lines and not _LIST_ITEM.match(line) and not line.startswith("  "):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def rewrap_help(app: typer.Typer) -> None:
    """Rewrap the help of every command and group of `app`, its sub-apps included."""
    for command in app.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if doc:
            command.help = as_paragraphs(doc)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            rewrap_help(group.typer_instance)
