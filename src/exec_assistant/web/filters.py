"""The filters of the list pages: values read from the address, options of a <select>."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request

from exec_assistant.display_text import TITLE_LIMIT, visible
from exec_assistant.services.followup import Choice

FILTER_LIMIT = 200
"""The longest filter value read from the address."""


def query_value(request: Request, name: str) -> str | None:
    """The parameter, stripped and cut to FILTER_LIMIT; None when absent or blank."""
    value = request.query_params.get(name, "").strip()[:FILTER_LIMIT]
    return value or None


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


def options(choices: Iterable[Choice], chosen: str | None) -> list[Option]:
    """The options of a <select>, `chosen` selected; a value asked for by the address that
    is not among them (a person's link) comes first, so the form still shows it."""
    found = [
        Option(c.value, visible(c.label, limit=TITLE_LIMIT), c.value == chosen) for c in choices
    ]
    if chosen is not None and not any(o.selected for o in found):
        found.insert(0, Option(chosen, visible(chosen, limit=TITLE_LIMIT), True))
    return found
