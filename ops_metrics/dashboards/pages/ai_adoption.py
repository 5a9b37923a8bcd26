"""AI Adoption: active engineers, adoption cohorts and token percentiles per tool, from
fct_ai_telemetry__weekly_adoption (which also says which weeks were loaded whole)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from ops_metrics.dashboards import charts
from ops_metrics.dashboards.charts import Chart, Series
from ops_metrics.dashboards.data import DashboardData, Row
from ops_metrics.dashboards.headlines import Headlines
from ops_metrics.dashboards.pages.coverage import coverage_section
from ops_metrics.dashboards.pages.format import NA, PARTIAL_NOTE, card, kpi, labels, num, pct, table


def ai_adoption(data: DashboardData, headlines: Headlines) -> str:
    weeks, week_labels = data.weeks, labels(data, "ai")
    # Only weeks every tool loaded whole: a week with one day loaded reads as a collapse.
    rows = [r for r in data.adoption if r["is_loaded_whole"]]
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
            week_labels,
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
            week_labels,
            [
                Series(
                    name,
                    # `none` counts engineers active in the 28 days but not this week: it needs
                    # the whole 28 days loaded.
                    [
                        everyone.get(w, {}).get(f"engineers_{name}")
                        if name != "none" or everyone.get(w, {}).get("is_window_loaded_whole")
                        else None
                        for w in weeks
                    ],
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
            week_labels,
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

    per_tool = table(
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
                cell(r, "active_engineers", num),
                cell(r, "tokens_per_engineer_p50", num),
                cell(r, "tokens_per_engineer_p75", num),
                cell(r, "tokens_per_engineer_p95", num),
                cell(r, "estimated_share", pct),
                cell(r, "cost_usd_known", lambda v: num(v, "${:,.0f}")),
                cell(r, "cost_known_share", lambda v: pct(v, 0) + " of tokens"),
            ]
            for r in latest
        ],
    )
    last = everyone.get(week, {}) if week else {}
    kpis = "".join(
        [
            kpi(
                "Weekly active engineers",
                num(headlines.weekly_active_engineers),
                f"week of {week:%d %b}" if week else "no week loaded whole",
            ),
            kpi("Heavy users", num(last.get("engineers_heavy")), "≥ 1M tokens that week"),
            kpi(
                "Median tokens per engineer",
                NA
                if last.get("tokens_per_engineer_p50") is None
                else charts.compact(last["tokens_per_engineer_p50"]),
                "active engineers, all tools",
            ),
            kpi("Tokens estimated", pct(last.get("estimated_share")), "no vendor token count"),
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
        + card("Active engineers", active_chart, PARTIAL_NOTE)
        + f'<div class="grid">{card("Adoption cohorts", cohorts_chart)}'
        f"{card('Token percentiles', percentile_chart)}</div>" + card("Per tool", per_tool, privacy)
    )
