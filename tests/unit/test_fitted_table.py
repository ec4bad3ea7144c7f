"""Column widths: short words stay whole, fixed cells are never cut, the table fits."""

from __future__ import annotations

from rich.text import Text

from exec_assistant.presentation.fitted_table import GAP, TableColumn, column_widths


def cells(*texts: str) -> list[Text]:
    return [Text(t) for t in texts]


TIME = TableColumn("Start", cells("Mon 30 07:00", "Tue 01 09:30"))
TITLE = TableColumn(
    "Meeting", cells("Infrastructure Leadership Team", "Quarterly business review"), wrap=True
)
TYPE = TableColumn("Type", cells("Reliability review", "QBR"), wrap=True)


def test_with_room_every_column_gets_its_natural_width() -> None:
    assert column_widths([TIME, TITLE, TYPE], 200) == [12, 30, 18]


def test_a_small_want_is_met_whole_before_a_long_title_grows() -> None:
    # At their longest words: 12 + 14 + 11. With 16 cells more, the type lacks 7 and gets
    # them all ("Reliability review" on one line); the title takes the other 9.
    assert column_widths([TIME, TITLE, TYPE], 12 + 14 + 11 + 2 * GAP + 16) == [12, 23, 18]


def test_narrowing_stops_at_the_longest_word() -> None:
    widths = column_widths([TIME, TITLE, TYPE], 12 + 14 + 11 + 2 * GAP)
    assert widths == [12, 14, 11]  # "Infrastructure", "Reliability": whole


def test_too_narrow_folds_the_widest_column_and_keeps_short_words() -> None:
    link = TableColumn("Link", cells("https://meet.example.com/j/0123456789"), wrap=True)
    owner = TableColumn("Owner", cells("Priya Raman"), wrap=True)
    widths = column_widths([TIME, owner, link], 12 + 5 + 10 + 2 * GAP)
    assert widths[0] == 12  # a time is never cut
    assert widths[1] == 5  # "Priya" and "Raman" whole
    assert widths[2] == 10  # the link folds
