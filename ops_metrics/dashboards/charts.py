"""Inline SVG charts generated in Python: no chart library, no script, nothing to download, so
the pages work from file:// on an offline machine and print the same as they show.

Every chart is an accessible image: role="img", a <title> and a <desc>, labelled axes and a
legend; colours come from a colour-blind-safe palette with enough contrast against white.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

# Okabe-Ito based, darkened where needed for >= 3:1 contrast on white (WCAG 1.4.11).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#7B3294", "#A6611A", "#4D4D4D", "#C51B7D", "#1B7837")
SEVERITY_COLOURS = {"Critical": "#B2182B", "Major": "#D97706", "Minor": "#2166AC"}
COHORT_COLOURS = {"none": "#BDBDBD", "light": "#92C5DE", "moderate": "#4393C3", "heavy": "#053061"}

FULL, HALF = 1080, 520  # viewBox widths matching a full-width and a half-width card at 1x
PLOT_HEIGHT = 210
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP = 64, 16, 16
AXIS_SPACE = 46  # tick labels and the x-axis title under the plot
LEGEND_ROW = 22


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    colour: str | None = None
    dashed: bool = False


@dataclass
class Chart:
    """What a chart shows: categories on x (weeks), one or more series on y."""

    chart_id: str
    title: str
    x_labels: Sequence[str]
    series: list[Series]
    y_label: str
    x_label: str = "ISO week (Monday)"
    y_format: str | Callable[[float], str] = "{:,.0f}"
    y_min: float = 0.0
    y_max: float | None = None
    reference: tuple[float, str] | None = None  # a horizontal line, e.g. an objective
    width: int = FULL


def compact(value: float) -> str:
    """1200 -> 1.2k, 3400000 -> 3.4M: token counts read at a glance."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"


def _fmt(chart: Chart, value: float) -> str:
    if callable(chart.y_format):
        return chart.y_format(value)
    if chart.y_format == "{:,.0f}" and value % 1:
        return f"{value:,.1f}"  # a grid line between whole numbers (axis maximum 6 -> 1.5)
    return chart.y_format.format(value)


def colour_for(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _nice_max(value: float) -> float:
    """A round axis maximum a little above the data whose quarters (the grid lines) are round
    too, so counts get whole-number ticks: 4, 8, 12, 16, 20, 40, 60, 80, 120, ..."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    candidates = sorted(
        round(step * 10.0**e, 12)
        for e in (exponent - 1, exponent, exponent + 1)
        for step in (1.2, 1.6, 2, 4, 6, 8)
    )
    return next(c for c in candidates if c >= value)


@dataclass
class _Geometry:
    chart: Chart
    y_max: float
    legend: list[tuple[str, str, bool, float, float]] = field(
        default_factory=list
    )  # name, colour, dashed, x, y

    @property
    def plot_w(self) -> float:
        return self.chart.width - MARGIN_LEFT - MARGIN_RIGHT

    def x(self, index: int) -> float:
        return MARGIN_LEFT + self.plot_w * (index + 0.5) / max(len(self.chart.x_labels), 1)

    def y(self, value: float) -> float:
        span = self.y_max - self.chart.y_min
        share = min(max((value - self.chart.y_min) / span, 0.0), 1.0)
        return MARGIN_TOP + PLOT_HEIGHT - PLOT_HEIGHT * share

    def lay_out_legend(self, items: list[tuple[str, str, bool]]) -> float:
        """Places legend entries left to right, wrapping rows; returns the chart's height."""
        x, row = MARGIN_LEFT, 0
        for name, colour, dashed in items:
            item_w = 36 + 7.4 * len(name)
            if x + item_w > self.chart.width and x > MARGIN_LEFT:
                x, row = MARGIN_LEFT, row + 1
            y = MARGIN_TOP + PLOT_HEIGHT + AXIS_SPACE + 14 + row * LEGEND_ROW
            self.legend.append((name, colour, dashed, x, y))
            x += item_w
        return MARGIN_TOP + PLOT_HEIGHT + AXIS_SPACE + (row + 1) * LEGEND_ROW + 8


def _frame(geo: _Geometry, body: str, legend: list[tuple[str, str, bool]]) -> str:
    chart = geo.chart
    height = geo.lay_out_legend(legend)
    left, right, bottom = MARGIN_LEFT, MARGIN_LEFT + geo.plot_w, MARGIN_TOP + PLOT_HEIGHT
    parts = []
    for i in range(5):
        value = chart.y_min + (geo.y_max - chart.y_min) * i / 4
        y = geo.y(value)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(chart, value))}</text>"
        )
    n = max(len(chart.x_labels), 1)
    every = max(1, math.ceil(n / (chart.width / 70)))  # tick labels never overlap
    for i, label in enumerate(chart.x_labels):
        if (n - 1 - i) % every == 0:  # always label the newest week
            parts.append(
                f'<text class="tick" x="{geo.x(i):.1f}" y="{bottom + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if chart.reference is not None:
        value, label = chart.reference
        y = geo.y(value)
        parts.append(
            f'<line class="reference" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="reference-label" x="{left + 6}" y="{y + 14:.1f}">{escape(label)}</text>'
        )
    axes = (
        f'<line class="axis" x1="{left}" x2="{left}" y1="{MARGIN_TOP}" y2="{bottom}"/>'
        f'<line class="axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>'
        f'<text class="axis-label" x="{left + geo.plot_w / 2}" y="{bottom + 36}" '
        f'text-anchor="middle">{escape(chart.x_label)}</text>'
        f'<text class="axis-label" transform="translate(16 {MARGIN_TOP + PLOT_HEIGHT / 2}) '
        f'rotate(-90)" text-anchor="middle">{escape(chart.y_label)}</text>'
    )
    legend_svg = []
    for name, colour, dashed, x, y in geo.legend:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        legend_svg.append(
            f'<line x1="{x:.0f}" x2="{x + 18:.0f}" y1="{y - 4:.0f}" y2="{y - 4:.0f}" '
            f'stroke="{colour}" stroke-width="5"{dash}/>'
            f'<text class="legend" x="{x + 24:.0f}" y="{y:.0f}">{escape(name)}</text>'
        )
    title_id, desc_id = f"{chart.chart_id}-title", f"{chart.chart_id}-desc"
    desc = f"{chart.y_label} by {chart.x_label}; series: " + ", ".join(n for n, _, _ in legend)
    return (
        f'<svg class="chart" id="{chart.chart_id}" viewBox="0 0 {chart.width} {height:.0f}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>'
        + "".join(parts)
        + axes
        + body
        + "".join(legend_svg)
        + "</svg>"
    )


def _empty(chart: Chart, message: str) -> str:
    return (
        f'<svg class="chart chart-empty" id="{chart.chart_id}" viewBox="0 0 {chart.width} 120" '
        f'role="img" aria-label="{escape(chart.title)}: {escape(message)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(chart.title)}</title>'
        f'<text x="{chart.width / 2}" y="64" text-anchor="middle" class="empty">'
        f"{escape(message)}</text></svg>"
    )


def line_chart(chart: Chart, empty_message: str = "No data for this period") -> str:
    values = [v for s in chart.series for v in s.values if v is not None]
    if not values or not chart.x_labels:
        return _empty(chart, empty_message)
    top = max(max(values), chart.reference[0] if chart.reference else 0)
    geo = _Geometry(chart, chart.y_max or _nice_max(top))
    body, legend = [], []
    for index, series in enumerate(chart.series):
        colour = series.colour or colour_for(index)
        known = [(i, v) for i, v in enumerate(series.values) if v is not None]
        dash = ' stroke-dasharray="7 4"' if series.dashed else ""
        if len(known) > 1:
            path = " ".join(f"{geo.x(i):.1f},{geo.y(v):.1f}" for i, v in known)
            body.append(
                f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2.5"'
                f'{dash} points="{path}"/>'
            )
        for i, value in known:
            body.append(
                f'<circle cx="{geo.x(i):.1f}" cy="{geo.y(value):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(series.name)}, {escape(chart.x_labels[i])}: "
                f"{escape(_fmt(chart, value))}</title></circle>"
            )
        legend.append((series.name, colour, series.dashed))
    return _frame(geo, "".join(body), legend)


def stacked_bar_chart(chart: Chart, empty_message: str = "No data for this period") -> str:
    n = len(chart.x_labels)
    totals = [sum(s.values[i] or 0 for s in chart.series) for i in range(n)]
    if not n or not any(totals):
        return _empty(chart, empty_message)
    geo = _Geometry(chart, chart.y_max or _nice_max(max(totals)))
    bar_w = geo.plot_w / n * 0.7
    body, legend = [], []
    base = [0.0] * n
    for index, series in enumerate(chart.series):
        colour = series.colour or colour_for(index)
        for i, value in enumerate(series.values):
            if not value:
                continue
            top, bottom = geo.y(base[i] + value), geo.y(base[i])
            body.append(
                f'<rect class="bar" x="{geo.x(i) - bar_w / 2:.1f}" y="{top:.1f}" '
                f'width="{bar_w:.1f}" height="{bottom - top:.1f}" fill="{colour}">'
                f"<title>{escape(series.name)}, {escape(chart.x_labels[i])}: "
                f"{escape(_fmt(chart, value))}</title></rect>"
            )
            base[i] += value
        legend.append((series.name, colour, False))
    return _frame(geo, "".join(body), legend)


def meter(fraction: float | None, label: str) -> str:
    """A small horizontal bar for a 0..1 figure in a table cell (error budget left)."""
    if fraction is None:
        return ""
    shown = max(0.0, min(1.0, fraction))
    colour = "#1B7837" if fraction >= 0.5 else "#D97706" if fraction > 0 else "#B2182B"
    return (
        f'<svg class="meter" viewBox="0 0 100 10" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><rect width="100" height="10" rx="2" fill="#E5E7EB"/>'
        f'<rect width="{shown * 100:.1f}" height="10" rx="2" fill="{colour}"/></svg>'
    )
