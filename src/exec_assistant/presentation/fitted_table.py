"""Tables laid out for the terminal's width: words wrap whole, fixed cells are never cut.

Rich shrinks columns to fit by itself, but then it folds words mid-way ("Infrastructu/re") and
cuts cells it was told not to wrap. Here the widths are decided beforehand: a column that must
not wrap (a time, an id) is as wide as its widest cell; a wrapping column (a title) is never
narrower than its longest word (up to `word_cap`) and gets a fair share of the remaining
width (what it lacks, or an even split of what is left). Which columns to show at all is the
caller's choice, helped by `total_width`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

GAP = 2
"""Spaces between two columns."""


@dataclass(frozen=True)
class TableColumn:
    header: str
    cells: Sequence[Text]
    wrap: bool = False
    """False: one line per cell line, as wide as the widest; True: wraps at spaces."""
    comfortable: int = 0
    """`total_width` counts a wrapping column at this width (or less, if its text is
    shorter): a caller adds another column only while this much is left."""
    word_cap: int = 24
    """Words longer than this may be folded rather than widen the column."""
    grow_rank: int = 0
    """Width to spare goes to the wrapping columns of the lowest rank first, then to the
    next rank."""
    justify: Literal["left", "right"] = "left"
    style: str = ""

    @cached_property
    def natural(self) -> int:
        """The width at which no cell wraps."""
        widest = max(
            (cell_len(line) for c in self.cells for line in c.plain.split("\n")), default=0
        )
        return max(widest, cell_len(self.header))

    @cached_property
    def minimum(self) -> int:
        """The narrowest width that breaks no word (of up to `word_cap` cells)."""
        if not self.wrap:
            return self.natural
        longest = max((cell_len(w) for c in self.cells for w in c.plain.split()), default=0)
        return max(min(longest, self.word_cap), cell_len(self.header), 1)

    @cached_property
    def comfortable_width(self) -> int:
        if not self.wrap:
            return self.natural
        return min(self.natural, max(self.minimum, self.comfortable))


def total_width(columns: Sequence[TableColumn]) -> int:
    """The width the columns take at their comfortable widths, gaps included."""
    return sum(c.comfortable_width for c in columns) + GAP * max(0, len(columns) - 1)


def column_widths(columns: Sequence[TableColumn], width: int) -> list[int]:
    """A width for each column so that the whole table is at most `width` cells wide.

    Only when even the comfortable widths do not fit are wrapping columns narrowed: first
    towards their longest word, then, as a last resort, the widest one cell at a time (its
    long words fold, the short words of the others stay whole).
    """
    widths = [c.comfortable_width for c in columns]
    room = width - GAP * max(0, len(columns) - 1) - sum(widths)
    wrapping = [i for i, c in enumerate(columns) if c.wrap]
    if room >= 0:
        for rank in sorted({columns[i].grow_rank for i in wrapping}):
            growing = [i for i in wrapping if columns[i].grow_rank == rank]
            given = _fair_shares(room, [columns[i].natural - widths[i] for i in growing])
            for i, extra in zip(growing, given, strict=True):
                widths[i] += extra
            room -= sum(given)
        return widths
    spare = [widths[i] - columns[i].minimum for i in wrapping]
    taken = _shares(min(-room, sum(spare)), spare)
    for i, cut in zip(wrapping, taken, strict=True):
        widths[i] -= cut
    room += sum(taken)
    # Still too wide: fold words, always in the widest column, so short words stay whole.
    while room < 0 and wrapping:
        widest = max(reversed(wrapping), key=lambda i: widths[i])
        if widths[widest] <= 1:
            break
        widths[widest] -= 1
        room += 1
    return widths


def _fair_shares(room: int, wants: Sequence[int]) -> list[int]:
    """`room` shared out so that small wants are met whole and the rest is split evenly: a
    type name that lacks 3 cells gets them before a long title gets more."""
    given = [0] * len(wants)
    smallest_first = sorted(range(len(wants)), key=lambda i: wants[i])
    for served, i in enumerate(smallest_first):
        given[i] = min(wants[i], room // (len(wants) - served))
        room -= given[i]
    return given


def _shares(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` split in proportion to `weights`, in whole cells (largest remainders first)."""
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    exact = [amount * w / total for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def fitted_table(columns: Sequence[TableColumn], width: int, *, row_gap: bool = False) -> Table:
    """The columns as a table at most `width` cells wide (when their fixed cells fit); with
    `row_gap`, a blank line between rows."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        header_style="bold",
        show_lines=row_gap,
    )
    for column, column_width in zip(columns, column_widths(columns, width), strict=True):
        table.add_column(
            column.header,
            width=column_width,
            no_wrap=not column.wrap,
            overflow="fold",
            justify=column.justify,
            style=column.style,
        )
    for row in zip(*(c.cells for c in columns), strict=True):
        table.add_row(*row)
    return table
