"""Small-count suppression: no figure may single a patient out.

A cell that counts fewer than `THRESHOLD` patients (or their sessions) is
shown as "<11", and any rate or difference computed from it is withheld
too, so it cannot be worked back out. Zero is suppressed like the rest:
"nobody" is as telling as "one person".
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 11
SUPPRESSED = f"<{THRESHOLD}"


@dataclass(frozen=True)
class Cell:
    """One count as it may be shown. `value` is for arithmetic inside this
    app only; everything that leaves it goes through `shown`."""

    value: int
    # Withheld although large enough: it would reveal a suppressed neighbour.
    withheld: bool = False

    @property
    def is_suppressed(self) -> bool:
        return self.withheld or self.value < THRESHOLD

    @property
    def shown(self) -> str:
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
