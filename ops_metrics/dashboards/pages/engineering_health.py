"""Engineering Health: incidents by severity and workspace, SLO attainment and error budgets,
from fct_ops__incidents_weekly_rollup, fct_ops__slo_attainment(_pooled)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from ops_metrics.dashboards import charts
from ops_metrics.dashboards.charts import Chart, Series
from ops_metrics.dashboards.data import DashboardData, Row
from ops_metrics.dashboards.headlines import (
    ALL_SEVERITIES,
    ALL_WORKSPACES,
    Headlines,
    all_incidents,
    find,
)
from ops_metrics.dashboards.pages.coverage import coverage_section
from ops_metrics.dashboards.pages.format import (
    MINUS,
    NA,
    PARTIAL_NOTE,
    SEVERITIES,
    TIMES,
    by_week,
    card,
    hours,
    kpi,
    labels,
    num,
    pct,
    severity_order,
    table,
    workspaces,
)

NOTE = (
    "Within target: time to resolve (resolved &minus; detected) ≤ target, exactly on target counts. "
    "An incident still open past its target is already a miss; incidents created in planned "
    "windows (maintenance, game days) do not count. Error budget left = 1 &minus; misses ÷ allowed "
    "misses, allowed = (1 &minus; objective) &times; incidents; burn rate 1&times; spends the budget exactly."
)
SLO_HEADERS = [
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
]


def _severity_groups(data: DashboardData) -> list[str]:
    """The severity groups with an incident in the shown period, Other last."""
    present = {
        r["severity_group"]
        for r in data.incident_weeks
        if r["workspace"] == ALL_WORKSPACES and r["incidents_created"]
    }
    return [s for s in (*SEVERITIES, "Other") if s in present]


def _status(row: Row) -> str:
    if not row["is_window_loaded"]:
        return '<span class="badge none">window not loaded</span>'
    if row["is_meeting_objective"] is None:
        return '<span class="badge none">no incidents</span>'
    if row["is_meeting_objective"]:
        return '<span class="badge good">meeting</span>'
    return '<span class="badge bad">missing</span>'


def _slo_row(row: Row) -> list[str]:
    head = [
        escape(row["workspace"]),
        escape(row["severity"]),
        f"{row['resolution_target_hours']:g} h",
        pct(row["attainment_objective"], 0),
    ]
    if not row["is_window_loaded"]:
        # Counts and ratios of a partly loaded window would be a fraction of the truth.
        return [*head, *([NA] * 5), _status(row)]
    return [
        *head,
        str(row["rolling_incidents"]),
        str(row["rolling_incidents_missed"]),
        pct(row["rolling_attainment"]),
        charts.meter(row["rolling_error_budget_remaining"], "error budget left")
        + pct(row["rolling_error_budget_remaining"], 0),
        num(row["rolling_burn_rate"], "{:.2f}" + TIMES),
        _status(row),
    ]


def _incident_table(data: DashboardData, headlines: Headlines, severities: list[str]) -> str:
    """Incidents per workspace and severity in the complete weeks of the 4 up to the headline
    week (fewer when fewer were loaded whole)."""
    week = headlines.week
    loaded = all_incidents(data, week).get("recent_weeks_loaded_whole", 0)

    def count(workspace: str, group: str) -> int:
        row = find(data.incident_weeks, workspace=workspace, severity_group=group, week_start=week)
        return row.get("recent_incidents") or 0

    return table(
        f"Incidents in the {loaded} complete week(s) up to {week + timedelta(days=6):%d %b %Y}"
        if loaded and week
        else "Incidents: no week loaded whole yet",
        ["Workspace", *severities, "Total"],
        [
            [
                escape(ws),
                *(str(count(ws, s)) for s in severities),
                f"<strong>{count(ws, ALL_SEVERITIES)}</strong>",
            ]
            if loaded and week
            # No week loaded whole: a count would read as "no incidents".
            else [escape(ws), *([NA] * (len(severities) + 1))]
            for ws in workspaces(data)
        ],
    )


def engineering_health(data: DashboardData, headlines: Headlines) -> str:
    weeks, week_labels = data.weeks, labels(data)
    severities = _severity_groups(data)
    by_severity = charts.stacked_bar_chart(
        Chart(
            "incidents-by-severity",
            "Incidents per week by severity (all workspaces)",
            week_labels,
            [
                Series(
                    s,
                    # NULL for a week not loaded whole (the mart's coverage gating).
                    by_week(
                        data.incident_weeks,
                        weeks,
                        "incidents",
                        workspace=ALL_WORKSPACES,
                        severity_group=s,
                    ),
                    charts.SEVERITY_COLOURS.get(s, "#6B7280"),
                )
                for s in severities
            ],
            y_label="Incidents",
            width=charts.HALF,
        )
    )
    week = headlines.week
    # A week's rolling attainment only when its whole 28-day window was loaded (the mart pools
    # only those SLOs).
    attainment_series = [
        Series(
            ws,
            [
                None if v is None else round(v, 4)
                for v in by_week(data.slo_pooled, weeks, "rolling_attainment", workspace=ws)
            ],
        )
        for ws in workspaces(data)
    ]
    lowest = min((v for s in attainment_series for v in s.values if v is not None), default=0.0)
    attainment_chart = charts.line_chart(
        Chart(
            "slo-attainment",
            "Rolling 28-day SLO attainment by workspace (all severities pooled)",
            week_labels,
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
        key=lambda r: (r["workspace"], severity_order(r["severity"])),
    )
    slo_table = table(
        f"SLOs over the 28 days ending {week + timedelta(days=6):%d %b %Y}" if week else "SLOs",
        SLO_HEADERS,
        [_slo_row(r) for r in latest],
        text_cols=2,
    )
    kpis = "".join(
        [
            kpi(
                "Incidents last week",
                num(headlines.incidents),
                f"week of {week:%d %b}" if week else "no week loaded whole",
            ),
            kpi("SLO attainment (28 days)", pct(headlines.slo_attainment), "all SLOs pooled"),
            kpi(
                "SLOs missing objective",
                num(headlines.slos_missing_objective),
                f"of the workspace {TIMES} severity SLOs",
            ),
            kpi("MTTR last week", hours(headlines.mttr_hours), f"resolved {MINUS} detected, mean"),
        ]
    )
    return (
        coverage_section(data, "ops", "Incident.io incidents") + f'<div class="kpis">{kpis}</div>'
        f'<div class="grid">{card("Incidents by severity", by_severity, PARTIAL_NOTE)}'
        f"{card('Incidents by workspace', _incident_table(data, headlines, severities))}</div>"
        + card(
            "SLO attainment",
            attainment_chart,
            "Dashed line: the 95 % objective of Critical and Major SLOs (Minor: 90 %). A week is "
            f"plotted only when its whole 28-day window was loaded. {PARTIAL_NOTE}",
        )
        + card("Error budget by SLO", slo_table, NOTE)
    )
