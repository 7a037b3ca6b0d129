"""Server-drawn charts: geometry, gaps, text alternatives, rendering."""

import re

import pytest
from django.template.loader import render_to_string

from core.charts import COLOURS, DASHES, MARKERS, Series, bar_chart, line_chart, marker_path, nice_ticks


def _line(**kwargs):
    defaults = {
        "title": "Score over time",
        "labels": ["Jan", "Feb", "Mar", "Apr"],
        "series": [Series("PHQ-9", [14, 11, None, 8], ["14", "11", "<11", "8"]), Series("GAD-7", [10, 9, 9, 5])],
        "y_label": "Score",
        "x_label": "Month",
        "y_max": 27,
    }
    return line_chart(**(defaults | kwargs))


def test_nice_ticks_cover_the_range_in_round_steps():
    assert nice_ticks(0, 27) == [0, 10, 20, 30]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    assert nice_ticks(0, 5000) == [0, 2000, 4000, 6000]


def test_a_given_maximum_ends_the_axis_exactly():
    chart = _line()
    assert [tick.text for tick in chart.ticks] == ["0", "10", "20", "27"]


def test_every_series_has_its_own_marker_and_dash_so_colour_is_not_needed():
    chart = _line(series=[Series(f"s{i}", [1, 2, 3, 4]) for i in range(5)])
    assert [s.marker for s in chart.series] == list(MARKERS)
    assert [s.dash for s in chart.series] == list(DASHES)
    assert len({s.colour for s in chart.series}) == len(COLOURS)


def test_a_missing_value_breaks_the_line_and_is_written_at_the_axis():
    chart = _line()
    phq = chart.series[0]
    # Jan to Feb is one run; Apr stands alone (a marker, no segment).
    assert len(phq.segments) == 1
    assert phq.segments[0].count("L") == 1
    assert len(phq.marks) == 3
    assert [gap.text for gap in phq.gaps] == ["<11"]
    assert chart.series[1].gaps == []
    assert "“<11”" in chart.note


def test_values_are_written_beside_their_points():
    chart = _line()
    assert [mark.label.text for mark in chart.series[0].marks] == ["14", "11", "8"]
    # The second series writes its values below its points.
    first = chart.series[1].marks[0]
    assert first.label.y > first.y


def test_higher_values_are_drawn_higher():
    chart = _line(series=[Series("s", [1, 2, 3, 4])])
    ys = [mark.y for mark in chart.series[0].marks]
    assert ys == sorted(ys, reverse=True)


def test_the_table_alternative_holds_every_figure_as_shown():
    chart = _line()
    assert chart.table_header == ["Month", "PHQ-9", "GAD-7"]
    assert chart.table_rows[2] == ["Mar", "<11", "9"]
    assert "PHQ-9: Jan 14, Feb 11, Mar <11, Apr 8." in chart.description


def test_a_series_must_match_the_labels():
    with pytest.raises(ValueError, match="values for 4 labels"):
        _line(series=[Series("s", [1, 2])])
    with pytest.raises(ValueError, match="one text per value"):
        _line(series=[Series("s", [1, 2, 3, 4], ["1"])])


def test_bar_lengths_are_proportional_and_a_withheld_bar_is_a_gap():
    chart = bar_chart(
        title="Funnel",
        labels=["Registered", "Booked", "Attended"],
        series=[Series("Patients", [400, 200, None], ["400", "200", "<11"])],
        x_label="Patients",
    )
    marks = chart.series[0].marks
    assert len(marks) == 2
    assert marks[0].w == pytest.approx(2 * marks[1].w)
    assert [gap.text for gap in chart.series[0].gaps] == ["<11"]
    assert [c.text for c in chart.categories] == ["Registered", "Booked", "Attended"]


def test_bar_series_after_the_first_are_filled_with_patterns():
    chart = bar_chart(title="Two", labels=["A"], series=[Series("One", [3]), Series("Two", [4])])
    assert chart.series[0].pattern == "solid"
    assert chart.series[1].pattern == "stripes"


@pytest.mark.parametrize("shape", MARKERS)
def test_marker_paths_are_closed_shapes_or_strokes(shape):
    assert marker_path(shape, 10, 10).startswith("M")


def test_the_rendered_figure_scales_and_carries_its_text_alternatives():
    chart = _line(caption="Lower is better.")
    html = render_to_string("components/_chart.html", {"chart": chart})
    assert 'viewBox="0 0 400 ' in html
    assert 'width="100%"' in html
    assert f'aria-labelledby="{chart.id}-title {chart.id}-desc"' in html
    assert "<figcaption>" in html
    assert "Lower is better." in html
    assert "<table>" in html
    assert '<th scope="row">Mar</th><td>&lt;11</td>' in html
    # The legend names both series with a sample of their line.
    assert html.count("stroke-dasharray") >= 2
    # No inline styles (CSP) and no scripts.
    assert "style=" not in html
    assert "<script" not in html


def test_coordinates_are_not_localized(settings):
    settings.LANGUAGE_CODE = "de"
    settings.USE_THOUSAND_SEPARATOR = True
    from django.utils import translation

    with translation.override("de"):
        chart = _line(series=[Series("s", [1.5, 2.5, 3.25, 4])], y_max=None)
        html = render_to_string("components/_chart.html", {"chart": chart})
    coords = re.findall(r' x="([^"]+)"', html)
    assert coords
    assert all("," not in value for value in coords)


def test_a_bar_chart_can_leave_the_table_to_the_page():
    chart = bar_chart(title="T", labels=["A"], series=[Series("S", [1])], show_table=False)
    html = render_to_string("components/_chart.html", {"chart": chart})
    assert "<table>" not in html
    assert "<desc" in html


def test_series_missing_at_the_same_place_share_one_mark():
    chart = _line(series=[Series("a", [1, None, 3, 4], ["1", "<11", "3", "4"]), Series("b", [2, None, 3, None])])
    a, b = chart.series
    assert [gap.text for gap in a.gaps] == ["<11"]
    # "b" is missing at the same place with another text, and alone at the end.
    assert [gap.text for gap in b.gaps] == ["—", "—"]
    assert b.gaps[0].y < a.gaps[0].y
    assert b.gaps[1].y == a.gaps[0].y
