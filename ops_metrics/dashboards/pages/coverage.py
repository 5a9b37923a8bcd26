"""What a page's sources have loaded: the banner and the loaded periods every page opens with."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from ops_metrics.dashboards.data import HISTORY_DAYS, WEEKS_SHOWN, WINDOW_WEEKS, DashboardData
from ops_metrics.dashboards.pages.format import NA


def period(start: date, end: date) -> str:
    """[start, end) as the days it holds, e.g. 11 Aug - 30 Nov 2026."""
    last = end - timedelta(days=1)
    return f"{start:%d %b} {NA} {last:%d %b %Y}" if last > start else f"{start:%d %b %Y}"


def coverage_section(data: DashboardData, domain: str, sources_label: str) -> str:
    """What this page's sources have loaded, and a warning when it is too little to show the
    page's periods: which weeks are complete, and each source's loaded periods."""
    coverage = data.covered(domain)
    complete = coverage.complete_weeks(data.weeks)
    longest = max((coverage.runs.get(w, 0) for w in complete), default=0)
    if not complete:
        warning = (
            f"Not enough history loaded: no week of {sources_label} is loaded whole yet, so this "
            "page shows no weekly figure. Each figure needs a complete ISO week (Monday to "
            f"Sunday, every source), rolling 28-day figures {WINDOW_WEEKS} in a row. Load at "
            f"least {HISTORY_DAYS} days, e.g. <code>ops-metrics demo --days {HISTORY_DAYS}</code>."
        )
    elif longest < WINDOW_WEEKS or len(complete) < min(len(data.weeks) - 1, WEEKS_SHOWN - 1):
        warning = (
            f"Partial history: {len(complete)} complete week(s) of {sources_label} loaded. "
            f"Rolling 28-day figures need {WINDOW_WEEKS} complete weeks in a row and are left "
            f"out where that is missing. Load {HISTORY_DAYS} days for every week shown, e.g. "
            f"<code>ops-metrics demo --days {HISTORY_DAYS}</code>."
        )
    else:
        warning = ""
    summary = (
        f"{len(complete)} complete week(s) of {escape(sources_label)}: "
        f"{complete[0]:%d %b} {NA} {complete[-1] + timedelta(days=6):%d %b %Y}"
        if complete
        else f"No complete week of {escape(sources_label)} loaded"
    )
    items = "".join(
        f"<li><code>{escape(r['source'])}</code>: "
        f"{escape(period(r['covered_from'].date(), r['covered_until'].date()))}"
        f'<span class="muted"> ({r["covered_from"]:%Y-%m-%d %H:%M} to '
        f"{r['covered_until']:%Y-%m-%d %H:%M} UTC)</span></li>"
        for r in coverage.periods
    )
    details = (
        f"<details><summary>{summary}</summary>"
        f"<ul>{items or '<li>Nothing loaded yet.</li>'}</ul></details>"
    )
    banner = f'<p class="warning" role="status">{warning}</p>' if warning else ""
    return f'<section class="coverage" aria-label="Loaded history">{banner}{details}</section>'
