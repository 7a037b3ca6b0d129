"""Totals of suppressed counts: shown only when they give no hidden count away."""

from core.cells import ABSENT, SUPPRESSED, Cell, margins, total

# A total held back although large: it would give a hidden part away.
WITHHELD = "withheld"


def cells(*values):
    return [Cell(value) for value in values]


def test_a_total_of_shown_parts_is_shown():
    assert total(cells(12, 30)).shown == "42"


def test_a_total_with_one_hidden_part_is_withheld_because_it_would_reveal_it():
    # 50 - 40 would give the hidden 10 away.
    assert total(cells(40, 10)).shown == WITHHELD
    # Zero hides too: "nobody" is as telling as one person.
    assert total(cells(40, 0)).shown == WITHHELD


def test_a_total_is_shown_when_the_hidden_parts_together_reach_the_threshold():
    # 40 shown, 6 + 5 hidden: the total says only that the hidden parts make 11.
    assert total(cells(40, 6, 5)).shown == "51"
    assert total(cells(40, 6, 4)).shown == WITHHELD


def test_a_total_under_the_threshold_is_suppressed_whatever_its_parts():
    assert total(cells(3, 4)).shown == SUPPRESSED


def test_absent_parts_add_nothing_and_hide_nothing():
    assert total([Cell(0, absent=True), Cell(20)]).shown == "20"
    assert total([Cell(0, absent=True), Cell(0, absent=True)]).shown == ABSENT
    assert Cell(0, absent=True).shown == ABSENT
    assert not Cell(0, absent=True).is_suppressed


def test_margins_withhold_the_grand_total_when_rows_would_reveal_a_hidden_cell():
    # Row 0 hides 5 (its total is withheld), row 1 is all shown: the grand
    # total minus row 1 and row 0's shown cell would be the 5.
    grid = [cells(5, 100), cells(20, 30)]
    result = margins(grid)
    assert [cell.shown for cell in result.rows] == [WITHHELD, "50"]
    assert result.grand.is_suppressed
    # The cells alone would have allowed it (5 is the only hidden cell, under 11 either way).
    assert total(cell for row in grid for cell in row).is_suppressed


def test_margins_withhold_the_grand_total_when_columns_would_reveal_hidden_cells():
    # Each row hides cells summing to 11 or more (rows shown), but column 0
    # hides only 3 + 4 = 7 and column 1 is all shown.
    grid = [cells(3, 20, 8), cells(4, 20, 9)]
    result = margins(grid)
    assert [cell.shown for cell in result.rows] == ["31", "33"]
    assert [cell.shown for cell in result.columns] == [SUPPRESSED, "40", "17"]
    assert result.grand.is_suppressed


def test_margins_show_the_grand_total_when_what_it_reveals_is_large_enough():
    grid = [cells(6, 20, 7), cells(5, 20, 9)]
    result = margins(grid)
    assert [cell.shown for cell in result.columns] == ["11", "40", "16"]
    assert result.grand.shown == "67"
