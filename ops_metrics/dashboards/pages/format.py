"""Formatting and layout shared by the pages: values as text, KPI tiles, cards, tables, labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

from ops_metrics.dashboards.data import DashboardData, Row

SEVERITIES = ("Critical", "Major", "Minor")
# Typographic characters as escapes (ruff RUF001 flags the literal look-alikes).
NA, MINUS, TIMES = "\u2013", "\u2212", "\u00d7"
TEXT_CLASS = ' class="text"'
PARTIAL_NOTE = (
    "* not loaded whole (the week in progress, or a gap in the loads): nothing is plotted for it."
)


def week_label(week: date) -> str:
    return f"{week:%d %b}"


def labels(data: DashboardData, domain: str = "ops") -> list[str]:
    """Week labels; a week not loaded whole (the one in progress, a gap) is starred."""
    complete = set(data.covered(domain).complete_weeks(data.weeks))
    return [week_label(w) + ("" if w in complete else "*") for w in data.weeks]


def severity_order(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 9


def by_week(rows: Iterable[Row], weeks: list[date], column: str, **key: object) -> list:
    """One mart column for each shown week, from the rows with these column values (None where
    the mart has no row)."""
    found = {r["week_start"]: r[column] for r in rows if all(r[k] == v for k, v in key.items())}
    return [found.get(w) for w in weeks]


def minutes(seconds: float | None) -> str:
    """Detection takes minutes; hours would show 0.1 h everywhere."""
    return NA if seconds is None else f"{seconds / 60:,.0f} min"


def pct(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value * 100:.{digits}f} %"


def num(value: float | None, fmt: str = "{:,.0f}") -> str:
    return NA if value is None else fmt.format(value)


def hours(value: float | None) -> str:
    return NA if value is None else f"{value:.1f} h"


def change(value: float | None) -> str:
    """Week-over-week change of a duration: longer is worse, so up is red."""
    if value is None:
        return f'<span class="muted">{NA}</span>'
    arrow, css = (
        ("▲", "up-bad") if value > 0 else ("▼", "down-good") if value < 0 else ("■", "muted")
    )
    return f'<span class="{css}">{arrow} {abs(value) * 100:.0f} %</span>'


def kpi(label: str, value: str, detail: str = "") -> str:
    return (
        f'<div class="kpi"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="detail">{escape(detail)}</div></div>'
    )


def card(title: str, content: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section class="card"><h2>{escape(title)}</h2>{content}{note_html}</section>'


def _cell(index: int, content: str, text_cols: int) -> str:
    if index == 0:
        return f'<th scope="row">{content}</th>'
    if content.startswith("<td"):  # given whole, e.g. with colspan
        return content
    return f"<td{TEXT_CLASS if index < text_cols else ''}>{content}</td>"


def table(caption: str, headers: list[str], rows: Iterable[list[str]], text_cols: int = 1) -> str:
    head = "".join(
        f'<th scope="col"{TEXT_CLASS if i < text_cols else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>" + "".join(_cell(i, c, text_cols) for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def workspaces(data: DashboardData) -> list[str]:
    """The workspaces with an incident or an SLO in the shown period."""
    return sorted(
        {
            r["workspace"]
            for r in data.incident_weeks
            if r["incidents_created"] and r["workspace"] != "All workspaces"
        }
        | {r["workspace"] for r in data.slo}
    )
