"""Small wording helpers, so counts read right."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 decision', '3 decisions', '1 open action item'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
