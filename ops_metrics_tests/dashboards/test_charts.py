"""Fast checks of the SVG helpers: axes, accessibility and empty states."""

from ops_metrics.dashboards import charts
from ops_metrics.dashboards.charts import Chart, Series


def _chart(values: list[float | None]) -> Chart:
    return Chart("c", "Title", ["a", "b", "c"], [Series("s", values)], y_label="Things")


def test_line_chart_is_an_accessible_svg_with_axes_and_legend() -> None:
    svg = charts.line_chart(_chart([1, None, 3]))
    assert svg.startswith('<svg class="chart" id="c"') and 'role="img"' in svg
    assert '<title id="c-title">Title</title>' in svg and "<desc" in svg
    assert ">Things</text>" in svg and "ISO week (Monday)" in svg  # both axis titles
    assert svg.count("<circle") == 2  # a missing week is a gap, not a zero
    assert 'class="legend"' in svg


def test_empty_data_says_so_instead_of_drawing_nothing() -> None:
    svg = charts.line_chart(_chart([None, None, None]), empty_message="Nothing yet")
    assert "chart-empty" in svg and "Nothing yet" in svg


def test_stacked_bars_stack() -> None:
    chart = Chart("s", "T", ["w1"], [Series("a", [2]), Series("b", [3])], y_label="n")
    svg = charts.stacked_bar_chart(chart)
    assert svg.count('class="bar"') == 2


def test_axis_maximum_and_compact_numbers() -> None:
    # Grid lines at quarters: whole numbers for counts (10 -> 12, ticks 3, 6, 9, 12).
    assert (charts._nice_max(46), charts._nice_max(10), charts._nice_max(0.9)) == (60, 12, 1.2)
    assert charts.compact(1_469_431) == "1.5M" and charts.compact(950) == "950"
