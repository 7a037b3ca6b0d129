"""Charts drawn on the server as inline SVG: no script, no CDN.

A chart is computed here as plain geometry (`Chart`) and drawn by
`templates/components/_chart.html`:

    chart = line_chart(
        title=_("PHQ-9 over time"),
        labels=["12 Jan", "9 Feb", "8 Mar"],
        series=[Series(_("PHQ-9 score"), [14, 11, 8])],
        y_label=_("Score"), y_max=27,
    )
    {% include "components/_chart.html" with chart=chart only %}

Readable without colour: each series has its own marker shape and dash
pattern (line charts) or fill pattern (bar charts), every point or bar
carries its value as text, the axes are labelled, and the figure has a
caption and a table of the same figures.

A value of `None` is a gap: nothing is drawn there. Its text (say "<11" for
a withheld small count) is written at the axis instead, and the chart's
note says what the gap means. The SVG scales to the width of its container
(a `viewBox` and `width="100%"`); only presentation attributes are used, so
a strict Content-Security-Policy (no inline styles) does not affect it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

# Dark enough for 3:1 against white, told apart by people with the common
# colour-vision deficiencies (after Okabe & Ito), and never needed alone.
COLOURS = ("#1f5f99", "#b3461b", "#2a7a4b", "#7d3f8c", "#6b5a00")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")
DASHES = ("", "8 4", "2 4", "10 4 2 4", "5 2")
PATTERNS = ("solid", "stripes", "dots", "crosshatch", "grid")
NO_DATA = "—"

WIDTH = 400
FONT = 15
# A line chart writes its values only up to this many points; the table has them all.
MAX_LABELLED_POINTS = 13
MAX_X_LABELS = 6


@dataclass(frozen=True)
class Series:
    """One series: a name and one value per label (`None` for a gap).

    `texts` (optional, one per value) is what is written for each value,
    e.g. "42%" or "<11"; by default the value, formatted for the locale, and
    "—" for a gap.
    """

    name: str
    values: Sequence[float | int | None]
    texts: Sequence[str] | None = None


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str
    # The grid line drawn for the tick: x1, y1, x2, y2.
    line: tuple[float, float, float, float]


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Mark:
    """A point (path `d` of its marker) or a bar (x, y, w, h), with its value text."""

    d: str = ""
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    label: Text | None = None


@dataclass
class SeriesDrawing:
    index: int
    name: str
    colour: str
    dash: str
    marker: str
    pattern: str
    # Line charts: one path per unbroken run of values.
    segments: list[str] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    # Texts written where a value is missing.
    gaps: list[Text] = field(default_factory=list)
    # A sample of the series for the legend (marker path in a 36 by 16 box).
    sample_marker: str = ""

    @property
    def fill(self) -> str:
        return self.colour if self.pattern == "solid" else f"url(#{self.pattern_id})"

    @property
    def pattern_id(self) -> str:
        return f"p{self.index}"


@dataclass
class Chart:
    kind: str  # "line" or "bar"
    id: str
    title: str
    caption: str
    note: str
    width: int
    height: int
    x_label: str
    y_label: str
    axis_label: Text | None
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    ticks: list[Tick]
    categories: list[Text]
    series: list[SeriesDrawing]
    table_header: list[str]
    table_rows: list[list[str]]
    description: str
    show_table: bool = True

    @property
    def has_legend(self) -> bool:
        return len(self.series) > 1


def _format(value: float | int) -> str:
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=1, force_grouping=True)


def _texts(series: Series) -> list[str]:
    if series.texts is not None:
        if len(series.texts) != len(series.values):
            raise ValueError("A series needs one text per value.")
        return [str(text) for text in series.texts]
    return [NO_DATA if value is None else _format(value) for value in series.values]


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values from `low` up to at least `high` (about `count` steps)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = []
    value = math.floor(low / step) * step
    while True:
        ticks.append(round(value, 10))
        if value >= high - 1e-9:
            return ticks
        value += step


def marker_path(shape: str, x: float, y: float, size: float = 5) -> str:
    """The SVG path of a marker centred on (x, y)."""
    s = size
    if shape == "circle":
        return f"M{x - s:.1f},{y:.1f}a{s},{s} 0 1,0 {2 * s},0a{s},{s} 0 1,0 {-2 * s},0Z"
    if shape == "square":
        t = s * 0.85
        return f"M{x - t:.1f},{y - t:.1f}h{2 * t:.1f}v{2 * t:.1f}h{-2 * t:.1f}Z"
    if shape == "triangle":
        return f"M{x:.1f},{y - s * 1.15:.1f}L{x + s:.1f},{y + s * 0.75:.1f}L{x - s:.1f},{y + s * 0.75:.1f}Z"
    if shape == "diamond":
        t = s * 1.2
        return f"M{x:.1f},{y - t:.1f}L{x + t:.1f},{y:.1f}L{x:.1f},{y + t:.1f}L{x - t:.1f},{y:.1f}Z"
    t = s * 0.9
    return f"M{x - t:.1f},{y - t:.1f}L{x + t:.1f},{y + t:.1f}M{x - t:.1f},{y + t:.1f}L{x + t:.1f},{y - t:.1f}"


def _edge_anchor(index: int, count: int) -> str:
    """Text at the first and last points leans inwards, so it stays inside the chart."""
    if count > 1 and index == 0:
        return "start"
    if count > 1 and index == count - 1:
        return "end"
    return "middle"


def _chart_id(title: str, chart_id: str | None) -> str:
    return "chart-" + (slugify(chart_id or title) or "figure")


def _drawings(series: Sequence[Series]) -> list[SeriesDrawing]:
    if not series:
        raise ValueError("A chart needs at least one series.")
    drawings = []
    for index, one in enumerate(series):
        slot = index % len(COLOURS)
        drawing = SeriesDrawing(
            index=index,
            name=str(one.name),
            colour=COLOURS[slot],
            dash=DASHES[slot],
            marker=MARKERS[slot],
            pattern=PATTERNS[slot],
        )
        drawing.sample_marker = marker_path(drawing.marker, 18, 8, 4.5)
        drawings.append(drawing)
    return drawings


def _note(series: Sequence[Series], note: str) -> str:
    gaps = sorted(
        {text for one in series for value, text in zip(one.values, _texts(one), strict=True) if value is None}
    )
    if not gaps:
        return note
    marks = ", ".join(f"“{text}”" for text in gaps)
    gap_note = _("Nothing is drawn where a figure is not shown (%(marks)s).") % {"marks": marks}
    return f"{note} {gap_note}".strip()


def _table(labels: Sequence[str], series: Sequence[Series], label_header: str) -> tuple[list[str], list[list[str]]]:
    header = [label_header, *(str(one.name) for one in series)]
    texts = [_texts(one) for one in series]
    rows = [[str(label), *(column[row] for column in texts)] for row, label in enumerate(labels)]
    return header, rows


def _description(title: str, header: list[str], rows: list[list[str]]) -> str:
    parts = []
    for column, name in enumerate(header[1:], start=1):
        values = ", ".join(f"{row[0]} {row[column]}" for row in rows)
        parts.append(f"{name}: {values}.")
    return " ".join([f"{title}.", *parts])


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"Series {one.name!r} has {len(one.values)} values for {len(labels)} labels.")


def _scale_max(series: Sequence[Series], y_max: float | None, low: float) -> list[float]:
    """The axis ticks; a given maximum (a score's top) ends the axis exactly."""
    if y_max is None:
        values = [v for one in series for v in one.values if v is not None]
        return nice_ticks(low, max([*values, low + 1]))
    ticks = [t for t in nice_ticks(low, y_max) if t < y_max]
    return [*ticks, y_max]


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_label: str = "",
    x_label: str = "",
    caption: str = "",
    note: str = "",
    y_min: float = 0,
    y_max: float | None = None,
    chart_id: str | None = None,
    show_table: bool = True,
) -> Chart:
    """A line chart over categories (months, dates): one line per series,
    broken where a value is missing."""
    _check(labels, series)
    drawings = _drawings(series)
    ticks = _scale_max(series, y_max, y_min)
    low, high = ticks[0], ticks[-1]
    tick_texts = [_format(t) for t in ticks]
    left = 14 + max(len(t) for t in tick_texts) * 8
    right, top = WIDTH - 28, 40
    bottom = 210 - (0 if x_label else 16)
    height = int(bottom + 36 + (20 if x_label else 0))
    count = len(labels)
    step = (right - left) / (count - 1) if count > 1 else 0

    def x_at(i: int) -> float:
        return left + i * step if count > 1 else (left + right) / 2

    def y_at(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    grid = [
        Tick(left - 6, y_at(t) + 4, text, (left, y_at(t), right, y_at(t)))
        for t, text in zip(ticks, tick_texts, strict=True)
    ]
    every = max(1, math.ceil(count / MAX_X_LABELS))
    categories = [
        Text(x_at(i), bottom + 21, str(label), _edge_anchor(i, count))
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    labelled = count <= MAX_LABELLED_POINTS
    written: dict[tuple[int, str], int] = {}
    written_at: dict[int, list[str]] = {}
    for drawing, one in zip(drawings, series, strict=True):
        texts = _texts(one)
        run: list[str] = []
        for i, (value, text) in enumerate(zip(one.values, texts, strict=True)):
            if value is None:
                if len(run) > 1:
                    drawing.segments.append("M" + "L".join(run))
                run = []
                # One mark per place and text: series missing together share it.
                if (i, text) not in written:
                    written[(i, text)] = len(written_at.setdefault(i, []))
                    written_at[i].append(text)
                    y = bottom - 6 - 16 * written[(i, text)]
                    drawing.gaps.append(Text(x_at(i), y, text, _edge_anchor(i, count)))
                continue
            x, y = x_at(i), y_at(value)
            run.append(f"{x:.1f},{y:.1f}")
            # The first series writes its values above the points, the second below.
            below = drawing.index % 2 == 1
            label = Text(x, y + 21 if below else y - 11, text) if labelled and drawing.index < 2 else None
            drawing.marks.append(Mark(d=marker_path(drawing.marker, x, y), x=x, y=y, label=label))
        if len(run) > 1:
            drawing.segments.append("M" + "L".join(run))
    return _chart(
        "line",
        title=title,
        chart_id=chart_id,
        caption=caption,
        note=note,
        height=height,
        x_label=x_label,
        y_label=y_label,
        plot=(left, top, right, bottom),
        ticks=grid,
        categories=categories,
        drawings=drawings,
        table=_table(labels, series, x_label or _("Period")),
        series=series,
        show_table=show_table,
    )


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    x_label: str = "",
    category_label: str = "",
    caption: str = "",
    note: str = "",
    x_max: float | None = None,
    chart_id: str | None = None,
    show_table: bool = True,
) -> Chart:
    """A horizontal bar chart: one row per label, its name written above its
    bars (long names need no rotation and fit a phone), one bar per series
    with its value written at the end."""
    _check(labels, series)
    drawings = _drawings(series)
    ticks = _scale_max(series, x_max, 0)
    high = ticks[-1]
    longest = max((len(text) for one in series for text in _texts(one)), default=1)
    left, top = 4, 8
    right = WIDTH - max(40, 9 * longest + 12)
    bar, gap = 22, 4
    row = FONT + 8 + len(series) * (bar + gap) + 10
    bottom = top + row * len(labels)
    height = int(bottom + 28 + (20 if x_label else 0))

    def x_at(value: float) -> float:
        return left + value / high * (right - left) if high else left

    grid = [Tick(x_at(t), bottom + 19, _format(t), (x_at(t), top, x_at(t), bottom)) for t in ticks]
    categories = []
    for i, label in enumerate(labels):
        y0 = top + i * row
        categories.append(Text(left, y0 + FONT + 2, str(label), anchor="start"))
        for drawing, one in zip(drawings, series, strict=True):
            value, text = one.values[i], _texts(one)[i]
            y = y0 + FONT + 8 + drawing.index * (bar + gap)
            if value is None:
                drawing.gaps.append(Text(left + 4, y + bar - 6, text, anchor="start"))
                continue
            end = x_at(value)
            label_text = Text(end + 6, y + bar - 6, text, anchor="start")
            drawing.marks.append(Mark(x=left, y=y, w=max(end - left, 1), h=bar, label=label_text))
    return _chart(
        "bar",
        title=title,
        chart_id=chart_id,
        caption=caption,
        note=note,
        height=height,
        x_label=x_label,
        y_label="",
        plot=(left, top, right, bottom),
        ticks=grid,
        categories=categories,
        drawings=drawings,
        table=_table(labels, series, category_label or _("Category")),
        series=series,
        show_table=show_table,
    )


def _chart(
    kind,
    *,
    title,
    chart_id,
    caption,
    note,
    height,
    x_label,
    y_label,
    plot,
    ticks,
    categories,
    drawings,
    table,
    series,
    show_table,
) -> Chart:
    """The drawn chart with its words: caption, note, axis label and the table alternative."""
    left, _top, right, _bottom = plot
    header, rows = table
    return Chart(
        kind=kind,
        id=_chart_id(title, chart_id),
        title=str(title),
        caption=str(caption),
        note=_note(series, str(note)),
        width=WIDTH,
        height=height,
        x_label=str(x_label),
        y_label=str(y_label),
        axis_label=Text((left + right) / 2, height - 6, str(x_label)) if x_label else None,
        plot=plot,
        ticks=ticks,
        categories=categories,
        series=drawings,
        table_header=header,
        table_rows=rows,
        description=_description(str(title), header, rows),
        show_table=show_table,
    )
