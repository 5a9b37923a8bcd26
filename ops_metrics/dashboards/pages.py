"""The body of each dashboard page: charts where a reader would rather look, small tables where
they would rather read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from html import escape
from statistics import fmean
from typing import Any

from ops_metrics.dashboards import charts
from ops_metrics.dashboards.charts import Chart, Series
from ops_metrics.dashboards.data import (
    HISTORY_DAYS,
    WEEKS_SHOWN,
    WINDOW_WEEKS,
    Coverage,
    DashboardData,
    Row,
)
from ops_metrics.dashboards.headlines import Headlines, pooled_attainment, window_loaded

SEVERITIES = ("Critical", "Major", "Minor")
# Typographic characters as escapes (ruff RUF001 flags the literal look-alikes).
NA, MINUS, TIMES = "\u2013", "\u2212", "\u00d7"
TEXT_CLASS = ' class="text"'


def _week_label(week: date) -> str:
    return f"{week:%d %b}"


def _labels(data: DashboardData, domain: str = "ops") -> list[str]:
    """Week labels; a week not loaded whole (the one in progress, a gap) is starred."""
    complete = set(data.covered(domain).complete_weeks(data.weeks))
    return [_week_label(w) + ("" if w in complete else "*") for w in data.weeks]


PARTIAL_NOTE = (
    "* not loaded whole (the week in progress, or a gap in the loads): nothing is plotted for it."
)


def _only_complete(
    values: list[Any], weeks: list[date], coverage: Coverage, span: int = 1
) -> list[Any]:
    """A week's value only where the week (and the `span - 1` before it) was loaded whole: a
    count, mean or ratio of a partly loaded week reads as a trend that is not there."""
    return [v if coverage.complete(w, span) else None for v, w in zip(values, weeks, strict=True)]


def _period(start: date, end: date) -> str:
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
        f"{escape(_period(r['covered_from'].date(), r['covered_until'].date()))}"
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


def _minutes(seconds: float | None) -> str:
    """Detection takes minutes; hours would show 0.1 h everywhere."""
    return NA if seconds is None else f"{seconds / 60:,.0f} min"


def _pct(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value * 100:.{digits}f} %"


def _num(value: float | None, fmt: str = "{:,.0f}") -> str:
    return NA if value is None else fmt.format(value)


def _hours(value: float | None) -> str:
    return NA if value is None else f"{value:.1f} h"


def _kpi(label: str, value: str, detail: str = "") -> str:
    return (
        f'<div class="kpi"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="detail">{escape(detail)}</div></div>'
    )


def _card(title: str, content: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section class="card"><h2>{escape(title)}</h2>{content}{note_html}</section>'


def _cell(index: int, content: str, text_cols: int) -> str:
    if index == 0:
        return f'<th scope="row">{content}</th>'
    if content.startswith("<td"):  # given whole, e.g. with colspan
        return content
    return f"<td{TEXT_CLASS if index < text_cols else ''}>{content}</td>"


def _table(caption: str, headers: list[str], rows: Iterable[list[str]], text_cols: int = 1) -> str:
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


def _by_week(rows: list[Row], weeks: list[date], value: Callable[[list[Row]], Any]) -> list[Any]:
    grouped: dict[date, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["week_start"]].append(row)
    return [value(grouped.get(w, [])) for w in weeks]


def _mean_seconds(rows: list[Row], column: str, unit: float = 1.0) -> float | None:
    values = [r[column] for r in rows if r[column] is not None]
    return fmean(values) / unit if values else None


def _change(value: float | None) -> str:
    """Week-over-week change of a duration: longer is worse, so up is red."""
    if value is None:
        return f'<span class="muted">{NA}</span>'
    arrow, css = (
        ("▲", "up-bad") if value > 0 else ("▼", "down-good") if value < 0 else ("■", "muted")
    )
    return f'<span class="{css}">{arrow} {abs(value) * 100:.0f} %</span>'


def _workspaces(data: DashboardData) -> list[str]:
    return sorted({r["workspace"] for r in data.incidents} | {r["workspace"] for r in data.slo})


# --- Engineering Health ---------------------------------------------------------------------


def engineering_health(data: DashboardData, headlines: Headlines) -> str:
    weeks, labels = data.weeks, _labels(data)
    coverage = data.covered("ops")
    severities = [s for s in SEVERITIES if any(r["severity"] == s for r in data.incidents)]
    if any(r["severity"] not in SEVERITIES for r in data.incidents):
        severities.append("Other")

    def severity_of(row: Row) -> str:
        return row["severity"] if row["severity"] in SEVERITIES else "Other"

    by_severity = charts.stacked_bar_chart(
        Chart(
            "incidents-by-severity",
            "Incidents per week by severity (all workspaces)",
            labels,
            [
                Series(
                    s,
                    _only_complete(
                        _by_week([r for r in data.incidents if severity_of(r) == s], weeks, len),
                        weeks,
                        coverage,
                    ),
                    charts.SEVERITY_COLOURS.get(s, "#6B7280"),
                )
                for s in severities
            ],
            y_label="Incidents",
            width=charts.HALF,
        )
    )
    workspaces = _workspaces(data)
    week = headlines.week
    # The last 4 complete weeks up to the headline week (fewer when fewer were loaded whole).
    recent = (
        [w for w in (week - timedelta(weeks=n) for n in range(4)) if coverage.complete(w)]
        if week
        else []
    )
    counts = defaultdict(int)
    for row in data.incidents:
        if row["week_start"] in recent:
            counts[(row["workspace"], severity_of(row))] += 1
    incident_table = _table(
        f"Incidents in the {len(recent)} complete week(s) up to {week + timedelta(days=6):%d %b %Y}"
        if recent and week
        else "Incidents: no week loaded whole yet",
        ["Workspace", *severities, "Total"],
        [
            [
                escape(ws),
                *(str(counts[(ws, s)]) for s in severities),
                f"<strong>{sum(counts[(ws, s)] for s in severities)}</strong>",
            ]
            if recent
            # No week loaded whole: a count would read as "no incidents".
            else [escape(ws), *([NA] * (len(severities) + 1))]
            for ws in workspaces
        ],
    )
    # A week's rolling attainment only when its whole 28-day window was loaded.
    attainment_series = [
        Series(
            ws,
            _by_week(
                [r for r in data.slo if r["workspace"] == ws and window_loaded(data, r)],
                weeks,
                pooled_attainment,
            ),
        )
        for ws in workspaces
    ]
    lowest = min((v for s in attainment_series for v in s.values if v is not None), default=0.0)
    attainment_chart = charts.line_chart(
        Chart(
            "slo-attainment",
            "Rolling 28-day SLO attainment by workspace (all severities pooled)",
            labels,
            attainment_series,
            y_label="Resolved within target",
            y_format="{:.0%}",
            # Zoom in where the story is (near the objective), but always show 100 %.
            y_min=next((m for m in (0.8, 0.6) if m <= lowest - 0.02), 0.0),
            y_max=1.0,
            reference=(0.95, "95 % objective"),
        ),
        empty_message="No 28-day window loaded whole with an incident with an SLO",
    )
    latest = sorted(
        (r for r in data.slo if r["week_start"] == week),
        key=lambda r: (
            r["workspace"],
            SEVERITIES.index(r["severity"]) if r["severity"] in SEVERITIES else 9,
        ),
    )

    def status(row: Row) -> str:
        if not window_loaded(data, row):
            return '<span class="badge none">window not loaded</span>'
        if row["is_meeting_objective"] is None:
            return '<span class="badge none">no incidents</span>'
        if row["is_meeting_objective"]:
            return '<span class="badge good">meeting</span>'
        return '<span class="badge bad">missing</span>'

    slo_table = _table(
        f"SLOs over the 28 days ending {week + timedelta(days=6):%d %b %Y}" if week else "SLOs",
        [
            "Workspace",
            "Severity",
            "Target",
            "Objective",
            "Incidents",
            "Missed",
            "Attainment",
            "Error budget left",
            "Burn rate",
            "Status",
        ],
        [
            [
                escape(r["workspace"]),
                escape(r["severity"]),
                f"{r['resolution_target_hours']:g} h",
                _pct(r["attainment_objective"], 0),
                str(r["rolling_incidents"]),
                str(r["rolling_incidents_missed"]),
                _pct(r["rolling_attainment"]),
                charts.meter(r["rolling_error_budget_remaining"], "error budget left")
                + _pct(r["rolling_error_budget_remaining"], 0),
                _num(r["rolling_burn_rate"], "{:.2f}" + TIMES),
                status(r),
            ]
            if window_loaded(data, r)
            # Counts and ratios of a partly loaded window would be a fraction of the truth.
            else [
                escape(r["workspace"]),
                escape(r["severity"]),
                f"{r['resolution_target_hours']:g} h",
                _pct(r["attainment_objective"], 0),
                *([NA] * 5),
                status(r),
            ]
            for r in latest
        ],
        text_cols=2,
    )
    kpis = "".join(
        [
            _kpi(
                "Incidents last week",
                _num(headlines.incidents),
                f"week of {week:%d %b}" if week else "no week loaded whole",
            ),
            _kpi("SLO attainment (28 days)", _pct(headlines.slo_attainment), "all SLOs pooled"),
            _kpi(
                "SLOs missing objective",
                _num(headlines.slos_missing_objective),
                f"of the workspace {TIMES} severity SLOs",
            ),
            _kpi(
                "MTTR last week", _hours(headlines.mttr_hours), f"resolved {MINUS} detected, mean"
            ),
        ]
    )
    note = (
        "Within target: time to resolve (resolved &minus; detected) ≤ target, exactly on target counts. "
        "An incident still open past its target is already a miss; incidents created in planned "
        "windows (maintenance, game days) do not count. Error budget left = 1 &minus; misses ÷ allowed "
        "misses, allowed = (1 &minus; objective) &times; incidents; burn rate 1&times; spends the budget exactly."
    )
    return (
        coverage_section(data, "ops", "Incident.io incidents") + f'<div class="kpis">{kpis}</div>'
        f'<div class="grid">{_card("Incidents by severity", by_severity, PARTIAL_NOTE)}'
        f"{_card('Incidents by workspace', incident_table)}</div>"
        + _card(
            "SLO attainment",
            attainment_chart,
            "Dashed line: the 95 % objective of Critical and Major SLOs (Minor: 90 %). A week is "
            f"plotted only when its whole 28-day window was loaded. {PARTIAL_NOTE}",
        )
        + _card("Error budget by SLO", slo_table, note)
    )


# --- AI Adoption ----------------------------------------------------------------------------


def ai_adoption(data: DashboardData, headlines: Headlines) -> str:
    weeks, labels = data.weeks, _labels(data, "ai")
    coverage = data.covered("ai")
    # Only weeks every tool loaded whole: a week with one day loaded reads as a collapse.
    rows = [r for r in data.adoption if coverage.complete(r["week_start"])]
    everyone = {r["week_start"]: r for r in rows if r["tool_group"] == "All tools"}
    groups = sorted({r["tool_group"] for r in rows} - {"All tools", "Other tools"})
    if any(r["tool_group"] == "Other tools" for r in rows):
        groups.append("Other tools")

    def value(group: str, column: str) -> list[float | None]:
        found = {r["week_start"]: r[column] for r in rows if r["tool_group"] == group}
        return [found.get(w) for w in weeks]

    active_chart = charts.line_chart(
        Chart(
            "active-engineers",
            "Weekly active engineers per tool and across tools",
            labels,
            [
                Series(
                    "All tools",
                    [everyone.get(w, {}).get("active_engineers") for w in weeks],
                    "#111827",
                )
            ]
            + [
                Series(
                    g
                    if any(v is not None for v in value(g, "active_engineers"))
                    else f"{g} (hidden: fewer than 5 engineers)",
                    value(g, "active_engineers"),
                    charts.colour_for(i),
                    dashed=g == "Other tools",
                )
                for i, g in enumerate(groups)
            ],
            y_label="Engineers with ≥ 1 token",
        ),
        empty_message="No week with at least 5 active engineers",
    )
    cohorts_chart = charts.stacked_bar_chart(
        Chart(
            "adoption-cohorts",
            "Adoption cohorts by tokens per engineer per week (all tools)",
            labels,
            [
                Series(
                    name,
                    # `none` counts engineers active in the 28 days but not this week: it needs
                    # the whole 28 days loaded.
                    _only_complete(
                        [everyone.get(w, {}).get(f"engineers_{name}") for w in weeks],
                        weeks,
                        coverage,
                        WINDOW_WEEKS if name == "none" else 1,
                    ),
                    colour,
                )
                for name, colour in charts.COHORT_COLOURS.items()
            ],
            y_label="Engineers",
            width=charts.HALF,
        ),
        empty_message="No week with at least 5 active engineers",
    )
    percentile_chart = charts.line_chart(
        Chart(
            "token-percentiles",
            "Tokens per active engineer per week (all tools)",
            labels,
            [
                Series(
                    f"P{p}",
                    [everyone.get(w, {}).get(f"tokens_per_engineer_p{p}") for w in weeks],
                    colour,
                )
                for p, colour in (("50", "#0072B2"), ("75", "#009E73"), ("95", "#D55E00"))
            ],
            y_label="Tokens per engineer",
            y_format=charts.compact,
            width=charts.HALF,
        ),
        empty_message="No week with at least 5 active engineers",
    )
    week = headlines.ai_week
    latest = [r for r in rows if r["week_start"] == week]
    latest.sort(
        key=lambda r: (
            r["tool_group"] == "All tools",
            r["tool_group"] == "Other tools",
            r["tool_group"],
        )
    )

    def cell(row: Row, column: str, fmt: Callable[[Any], str]) -> str:
        return fmt(row[column])

    def tool_name(row: Row) -> str:
        if row["tool_group"] == "All tools":
            return "<strong>All tools</strong>"
        if row["tool_group"] == "Other tools":
            return f'Other tools <span class="muted">({escape(row["tools"] or "")})</span>'
        return escape(row["tool_group"])

    hidden = (
        '<td colspan="7" class="text muted">Fewer than 5 active engineers: hidden for privacy</td>'
    )

    table = _table(
        f"Per tool, week of {week:%d %b %Y}" if week else "Per tool",
        [
            "Tool",
            "Active engineers",
            "P50 tokens",
            "P75 tokens",
            "P95 tokens",
            "Estimated share",
            "Known cost",
            "Cost known for",
        ],
        [
            [tool_name(r), hidden]
            if r["is_suppressed"]
            else [
                tool_name(r),
                cell(r, "active_engineers", _num),
                cell(r, "tokens_per_engineer_p50", _num),
                cell(r, "tokens_per_engineer_p75", _num),
                cell(r, "tokens_per_engineer_p95", _num),
                cell(r, "estimated_share", _pct),
                cell(r, "cost_usd_known", lambda v: _num(v, "${:,.0f}")),
                cell(r, "cost_known_share", lambda v: _pct(v, 0) + " of tokens"),
            ]
            for r in latest
        ],
    )
    last = everyone.get(week, {}) if week else {}
    kpis = "".join(
        [
            _kpi(
                "Weekly active engineers",
                _num(headlines.weekly_active_engineers),
                f"week of {week:%d %b}" if week else "no week loaded whole",
            ),
            _kpi("Heavy users", _num(last.get("engineers_heavy")), "≥ 1M tokens that week"),
            _kpi(
                "Median tokens per engineer",
                NA
                if last.get("tokens_per_engineer_p50") is None
                else charts.compact(last["tokens_per_engineer_p50"]),
                "active engineers, all tools",
            ),
            _kpi("Tokens estimated", _pct(last.get("estimated_share")), "no vendor token count"),
        ]
    )
    privacy = (
        "Privacy: no figure describes fewer than 5 engineers. A tool with fewer than 5 active "
        "engineers in a week is rolled up into “Other tools”; while that is still below 5 the "
        "smallest shown tool joins it, so All tools minus the shown tools never reveals a hidden "
        "group. API keys (service accounts) are not engineers and are left out. Cohorts: none "
        "= active on some tool in the last 28 days but not this week; light &lt; 100k tokens; "
        "moderate &lt; 1M; heavy ≥ 1M."
    )
    return (
        coverage_section(data, "ai", "AI tool usage")
        + f'<div class="kpis">{kpis}</div>'
        + _card("Active engineers", active_chart, PARTIAL_NOTE)
        + f'<div class="grid">{_card("Adoption cohorts", cohorts_chart)}'
        f"{_card('Token percentiles', percentile_chart)}</div>" + _card("Per tool", table, privacy)
    )


# --- MTTR -----------------------------------------------------------------------------------


def mttr(data: DashboardData, headlines: Headlines) -> str:
    weeks, labels = data.weeks, _labels(data)
    coverage = data.covered("ops")
    workspaces = _workspaces(data)

    def chart(chart_id: str, title: str, column: str, unit: float, y_label: str) -> str:
        return charts.line_chart(
            Chart(
                chart_id,
                title,
                labels,
                [
                    Series(
                        ws,
                        _only_complete(
                            _by_week(
                                [r for r in data.incidents if r["workspace"] == ws],
                                weeks,
                                lambda rows, c=column: _mean_seconds(rows, c, unit),
                            ),
                            weeks,
                            coverage,
                        ),
                    )
                    for ws in workspaces
                ],
                y_label=y_label,
                y_format="{:,.1f}",
                width=charts.HALF,
            )
        )

    week = headlines.week
    # A change against the week before only when both weeks were loaded whole.
    both_loaded = coverage.complete(week, 2)
    latest = sorted(
        (r for r in data.mttr_weekly if r["week_start"] == week and r["incident_count"]),
        key=lambda r: (
            r["workspace"],
            SEVERITIES.index(r["severity"]) if r["severity"] in SEVERITIES else 9,
        ),
    )
    table = _table(
        f"Week of {week:%d %b %Y} by workspace and severity, change against the week before"
        if week
        else "Latest week",
        ["Workspace", "Severity", "Incidents", "MTTD", "Change", "MTTR", "Change"],
        [
            [
                escape(r["workspace"]),
                escape(r["severity"]),
                str(r["incident_count"]),
                _minutes(r["mttd_sec"]),
                _change(r["mttd_wow_change_pct"] if both_loaded else None),
                _hours(None if r["mttr_sec"] is None else r["mttr_sec"] / 3600),
                _change(r["mttr_wow_change_pct"] if both_loaded else None),
            ]
            for r in latest
        ],
        text_cols=2,
    )
    previous = week - timedelta(weeks=1) if week and both_loaded else None
    before = [r for r in data.incidents if r["week_start"] == previous]
    prev_mttr = _mean_seconds(before, "ttr_sec", 3600)
    change = (
        (headlines.mttr_hours - prev_mttr) / prev_mttr
        if headlines.mttr_hours is not None and prev_mttr
        else None
    )
    kpis = "".join(
        [
            _kpi(
                "MTTR last week",
                _hours(headlines.mttr_hours),
                f"week of {week:%d %b}" if week else "",
            ),
            _kpi(
                "Change week over week",
                NA if change is None else f"{change * 100:+.0f} %",
                "MTTR, all workspaces" if both_loaded else "needs the week before loaded whole too",
            ),
            _kpi(
                "MTTD last week",
                _minutes(None if headlines.mttd_hours is None else headlines.mttd_hours * 3600),
                f"detected {MINUS} created, mean",
            ),
            _kpi("Incidents last week", _num(headlines.incidents), "all workspaces"),
        ]
    )
    note = (
        "MTTD = mean of detected &minus; created; MTTR = mean of resolved &minus; detected (the workspace's own "
        "detection timestamp). Negative durations (retrospective incidents) are left out. A change "
        "is shown only when both weeks were loaded whole. " + PARTIAL_NOTE
    )
    return (
        coverage_section(data, "ops", "Incident.io incidents")
        + f'<div class="kpis">{kpis}</div>'
        + '<div class="grid">'
        + _card(
            "Mean time to resolve",
            chart(
                "mttr-by-workspace",
                "Weekly MTTR by workspace (all severities)",
                "ttr_sec",
                3600,
                "Hours",
            ),
        )
        + _card(
            "Mean time to detect",
            chart(
                "mttd-by-workspace",
                "Weekly MTTD by workspace (all severities)",
                "ttd_sec",
                60,
                "Minutes",
            ),
        )
        + "</div>"
        + _card("Week over week", table, note)
    )


# --- Overview -------------------------------------------------------------------------------


def overview_kpis(headlines: Headlines) -> str:
    week = f"week of {headlines.week:%d %b}" if headlines.week else ""
    return (
        '<div class="kpis">'
        + "".join(
            [
                _kpi("MTTR last week", _hours(headlines.mttr_hours), week),
                _kpi("SLO attainment (28 days)", _pct(headlines.slo_attainment), "all SLOs pooled"),
                _kpi("SLOs missing objective", _num(headlines.slos_missing_objective), week),
                _kpi(
                    "Weekly active engineers",
                    _num(headlines.weekly_active_engineers),
                    f"AI tools, week of {headlines.ai_week:%d %b}"
                    if headlines.ai_week
                    else "AI tools: no week loaded whole",
                ),
            ]
        )
        + "</div>"
    )
