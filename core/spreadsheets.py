"""CSV downloads that a spreadsheet opens safely: a cell starting with a
formula character is written as text (a leading apostrophe), so an export
of what people typed can never run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write hands the line back (csv.writer → stream)."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text, one line at a time (for a streaming response), every cell guarded."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
