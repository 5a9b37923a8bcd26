"""The index page's headline tiles."""

from __future__ import annotations

from ops_metrics.dashboards.headlines import Headlines
from ops_metrics.dashboards.pages.format import hours, kpi, num, pct


def overview_kpis(headlines: Headlines) -> str:
    week = f"week of {headlines.week:%d %b}" if headlines.week else ""
    return (
        '<div class="kpis">'
        + "".join(
            [
                kpi("MTTR last week", hours(headlines.mttr_hours), week),
                kpi("SLO attainment (28 days)", pct(headlines.slo_attainment), "all SLOs pooled"),
                kpi("SLOs missing objective", num(headlines.slos_missing_objective), week),
                kpi(
                    "Weekly active engineers",
                    num(headlines.weekly_active_engineers),
                    f"AI tools, week of {headlines.ai_week:%d %b}"
                    if headlines.ai_week
                    else "AI tools: no week loaded whole",
                ),
            ]
        )
        + "</div>"
    )
