"""Command help reads as paragraphs at 80 columns, lists and paragraphs kept."""

from __future__ import annotations

import os
import subprocess
import sys

from exec_assistant.cli.help_text import as_paragraphs


def test_lines_of_a_paragraph_are_joined_and_lists_kept() -> None:
    doc = """First line.

    A paragraph written
    over three
    lines.

    - one item
      continued
    - two
    """
    assert as_paragraphs(doc) == (
        "First line.\n\nA paragraph written over three lines.\n\n- one item\n  continued\n- two"
    )


def test_serve_help_at_80_columns_has_no_ragged_lines() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exec_assistant", "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"},
        check=True,
    )
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Questions are shown here" in line)
    paragraph = []
    for line in lines[start:]:
        if not line.strip():
            break
        paragraph.append(line.strip())
    # Rewrapped to the width: every line but the last is nearly full.
    assert len(paragraph) >= 3
    assert all(len(line) > 60 for line in paragraph[:-1]), paragraph
