"""MTTR: weekly mean time to detect and resolve per workspace, week over week, from
fct_ops__incidents_weekly_rollup and fct_ops__mttr_weekly."""

from __future__ import annotations

from html import escape

from ops_metrics.dashboards import charts
from ops_metrics.dashboards.charts import Chart, Series
from ops_metrics.dashboards.data import DashboardData
from ops_metrics.dashboards.headlines import (
    ALL_SEVERITIES,
    Headlines,
    all_incidents,
)
from ops_metrics.dashboards.pages.coverage import coverage_section
from ops_metrics.dashboards.pages.format import (
    MINUS,
    NA,
    PARTIAL_NOTE,
    by_week,
    card,
    change,
    hours,
    kpi,
    labels,
    minutes,
    num,
    severity_order,
    table,
    workspaces,
)

NOTE = (
    "MTTD = mean of detected &minus; created; MTTR = mean of resolved &minus; detected (the workspace's own "
    "detection timestamp). Negative durations (retrospective incidents) are left out. A change "
    "is shown only when both weeks were loaded whole. " + PARTIAL_NOTE
)


def _chart(
    data: DashboardData, chart_id: str, title: str, column: str, unit: float, y_label: str
) -> str:
    """One line per workspace: the week's mean over all its incidents (NULL for a week not
    loaded whole), in `unit` seconds."""
    return charts.line_chart(
        Chart(
            chart_id,
            title,
            labels(data),
            [
                Series(
                    ws,
                    [
                        None if v is None else v / unit
                        for v in by_week(
                            data.incident_weeks,
                            data.weeks,
                            column,
                            workspace=ws,
                            severity_group=ALL_SEVERITIES,
                        )
                    ],
                )
                for ws in workspaces(data)
            ],
            y_label=y_label,
            y_format="{:,.1f}",
            width=charts.HALF,
        )
    )


def mttr(data: DashboardData, headlines: Headlines) -> str:
    week = headlines.week
    everywhere = all_incidents(data, week)
    # A change against the week before only when both weeks were loaded whole.
    both_loaded = bool(everywhere.get("is_change_loaded_whole"))
    latest = sorted(
        (r for r in data.mttr_weekly if r["week_start"] == week and r["incident_count"]),
        key=lambda r: (r["workspace"], severity_order(r["severity"])),
    )
    week_table = table(
        f"Week of {week:%d %b %Y} by workspace and severity, change against the week before"
        if week
        else "Latest week",
        ["Workspace", "Severity", "Incidents", "MTTD", "Change", "MTTR", "Change"],
        [
            [
                escape(r["workspace"]),
                escape(r["severity"]),
                str(r["incident_count"]),
                minutes(r["mttd_sec"]),
                change(r["mttd_wow_change_pct"] if r["is_change_loaded_whole"] else None),
                hours(None if r["mttr_sec"] is None else r["mttr_sec"] / 3600),
                change(r["mttr_wow_change_pct"] if r["is_change_loaded_whole"] else None),
            ]
            for r in latest
        ],
        text_cols=2,
    )
    wow = everywhere.get("mttr_wow_change_pct")
    kpis = "".join(
        [
            kpi(
                "MTTR last week",
                hours(headlines.mttr_hours),
                f"week of {week:%d %b}" if week else "",
            ),
            kpi(
                "Change week over week",
                NA if wow is None else f"{wow * 100:+.0f} %",
                "MTTR, all workspaces" if both_loaded else "needs the week before loaded whole too",
            ),
            kpi(
                "MTTD last week",
                minutes(None if headlines.mttd_hours is None else headlines.mttd_hours * 3600),
                f"detected {MINUS} created, mean",
            ),
            kpi("Incidents last week", num(headlines.incidents), "all workspaces"),
        ]
    )
    return (
        coverage_section(data, "ops", "Incident.io incidents")
        + f'<div class="kpis">{kpis}</div>'
        + '<div class="grid">'
        + card(
            "Mean time to resolve",
            _chart(
                data,
                "mttr-by-workspace",
                "Weekly MTTR by workspace (all severities)",
                "mttr_sec",
                3600,
                "Hours",
            ),
        )
        + card(
            "Mean time to detect",
            _chart(
                data,
                "mttd-by-workspace",
                "Weekly MTTD by workspace (all severities)",
                "mttd_sec",
                60,
                "Minutes",
            ),
        )
        + "</div>"
        + card("Week over week", week_table, NOTE)
    )
