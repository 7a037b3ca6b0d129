"""Small-count suppression: no figure may single a patient out.

A cell that counts fewer than `THRESHOLD` patients (or their sessions) is
shown as "<11", and any rate or difference computed from it is withheld
too, so it cannot be worked back out. Zero is suppressed like the rest:
"nobody" is as telling as "one person". A total is shown only when it
gives no hidden part away (`total`, and `margins` for a table's rows,
columns and grand total).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

THRESHOLD = 11
SUPPRESSED = f"<{THRESHOLD}"
ABSENT = "\u2013"  # an en dash


@dataclass(frozen=True)
class Cell:
    """One count as it may be shown. `value` is for arithmetic inside this
    app only; everything that leaves it goes through `shown`."""

    value: int
    # Withheld although large enough: it would reveal a suppressed neighbour.
    withheld: bool = False
    # Nothing could be counted here, as anyone can tell (a month before the
    # thing counted existed): shown as a dash, hiding nothing.
    absent: bool = False
    # A total held back because it would give a suppressed part away (`total`).
    # Such a total is at least `THRESHOLD` whenever a shown part is, so it
    # reads "withheld" rather than a misleading "<11".
    kept_back: bool = False

    @property
    def is_suppressed(self) -> bool:
        return not self.absent and (self.withheld or self.kept_back or self.value < THRESHOLD)

    @property
    def shown(self) -> str:
        if self.absent:
            return ABSENT
        if self.kept_back and self.value >= THRESHOLD:
            return gettext("withheld")
        return SUPPRESSED if self.is_suppressed else str(self.value)

    def __str__(self) -> str:
        return self.shown


def rate(numerator: Cell, denominator: Cell) -> float | None:
    """`numerator / denominator` as a fraction, or None when either is suppressed."""
    if numerator.is_suppressed or denominator.is_suppressed or not denominator.value:
        return None
    return numerator.value / denominator.value


def difference(larger: Cell, smaller: Cell) -> Cell:
    """`larger - smaller`, withheld when either side is suppressed: with one
    side shown, the difference would give the other away."""
    return Cell(larger.value - smaller.value, withheld=larger.is_suppressed or smaller.is_suppressed)


def rate_shown(value: float | None) -> str:
    """A rate as a whole percentage, or the suppression mark."""
    return SUPPRESSED if value is None else f"{round(value * 100)}%"


def _hidden(parts: list[Cell]) -> int:
    """What the suppressed parts come to: a total minus its shown parts."""
    return sum(part.value for part in parts if part.is_suppressed)


def total(parts: Iterable[Cell]) -> Cell:
    """The sum of `parts`, withheld when it would give a suppressed part away.

    With every part shown the total says nothing new. Otherwise the total
    minus its shown parts is what the suppressed parts come to, so the total
    is shown only when that remainder is itself at least `THRESHOLD`: one
    suppressed part (or several adding up to less) stays hidden. Absent
    parts add nothing; a total of absent parts only is absent too.
    """
    parts = [part for part in parts if not part.absent]
    if not parts:
        return Cell(0, absent=True)
    hidden = any(part.is_suppressed for part in parts) and _hidden(parts) < THRESHOLD
    return Cell(sum(part.value for part in parts), kept_back=hidden)


@dataclass(frozen=True)
class Margins:
    rows: list[Cell]
    columns: list[Cell]
    grand: Cell


def margins(grid: list[list[Cell]]) -> Margins:
    """Row, column and grand totals of a table of counts, none of which
    lets a suppressed cell be worked out.

    Rows and columns follow `total`. The grand total is checked three ways:
    against the cells, and against the rows and the columns, since the grand
    total minus the shown row totals (and the shown cells of the withheld
    rows) is what the withheld rows hide; it must be nothing hidden at all
    or at least `THRESHOLD`.
    """
    columns_of = [list(column) for column in zip(*grid, strict=True)] if grid else []
    rows = [total(row) for row in grid]
    columns = [total(column) for column in columns_of]
    grand = total(cell for row in grid for cell in row)
    for totals, groups in ((rows, grid), (columns, columns_of)):
        withheld = [group for cell, group in zip(totals, groups, strict=True) if cell.is_suppressed]
        if withheld and sum(_hidden(group) for group in withheld) < THRESHOLD:
            grand = Cell(grand.value, kept_back=True)
    return Margins(rows=rows, columns=columns, grand=grand)
