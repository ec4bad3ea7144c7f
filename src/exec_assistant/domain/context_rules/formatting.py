"""How figures read in facts: money, percentages, days, durations, one line of text.

One place, so the budget total and a cost centre, or a file provider and an API provider,
never round or word the same figure two ways.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal

from exec_assistant.domain.text import plural

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
# Fixed month names: strftime("%b") follows the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Wide enough for every finite float with its decimals: the default 28 digits would make
# quantize fail on a budget of 1e30.
_WIDE = Context(prec=400)
# What str.splitlines() breaks on: Markdown and terminals break on most of them too.
_LINE_BREAKS = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def money(amount: float, currency: str) -> str:
    """$1.23M, $132.0k, $950: precise enough to compare, short enough to read aloud."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency.upper()} ")
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if not math.isfinite(value):
        return f"{sign}{symbol}{value}"
    thousands = fixed(value / 1000, 1)
    # Choose the unit after rounding, so 999,990 reads $1.00M rather than $1000.0k.
    if Decimal(thousands) >= 1000:
        text = f"{fixed(value / 1_000_000, 2)}M"
    elif Decimal(fixed(value, 0)) >= 1000:
        text = f"{thousands}k"
    else:
        text = fixed(value, 0)
    return f"{sign}{symbol}{text}"


def fixed(value: float, places: int) -> str:
    """2.625 → "2.63" for 2 places: half-up, like a spreadsheet (format() gives "2.62")."""
    if not math.isfinite(value):
        return str(value)
    exponent = Decimal(1).scaleb(-places)
    return str(Decimal(repr(value)).quantize(exponent, ROUND_HALF_UP, context=_WIDE))


def percent_of(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`; None when there is no whole to compare with."""
    return part / whole * 100 if whole else None


def one_decimal(value: float | None) -> float | None:
    """Rounded like the facts, so the prep pack and context.json never disagree."""
    if value is None or not math.isfinite(value):
        return value
    return float(fixed(value, 1))


def number(value: float) -> int | float:
    """1200.0 → 1200 and 12.5 → 12.5: whole figures read (and serialise) without ".0"."""
    return int(value) if float(value).is_integer() else value


def maybe_number(value: float | None) -> int | float | None:
    return number(value) if value is not None else None


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def day(value: date, today: date) -> str:
    """9 Jan this year, 9 Jan 2027 another year."""
    year = f" {value.year}" if value.year != today.year else ""
    return f"{value.day} {_MONTHS[value.month - 1]}{year}"


def relative_days(days: int) -> str:
    """Days from today in words: in 3 days, today, 1 day ago."""
    if days == 0:
        return "today"
    return f"in {plural(days, 'day')}" if days > 0 else f"{plural(-days, 'day')} ago"


def duration(elapsed: timedelta) -> str:
    """Hours up to two days ("26.5 h"), then days ("3.2 days")."""
    hours = elapsed.total_seconds() / 3600
    return f"{fixed(hours, 1)} h" if hours < 48 else f"{fixed(hours / 24, 1)} days"


def last_days(days: int) -> str:
    """The lookback window in words: last day, last 30 days."""
    return "last day" if days == 1 else f"last {days} days"


def status_text(status: str) -> str:
    """A status as words: at_risk reads at risk."""
    return status.replace("_", " ")


def one_line(text: str) -> str:
    """The text with its line breaks turned into single spaces.

    A fact is one bullet in agenda.md: "Alpha\\nBeta team" from an export must not start a
    second bullet (or a heading) there. Text without line breaks comes back unchanged.
    """
    if not _LINE_BREAKS.search(text):
        return text
    return " ".join(part.strip() for part in _LINE_BREAKS.split(text) if part.strip())
