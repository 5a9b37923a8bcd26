"""The `dashboards` asset: the static site, rendered after the marts it reads."""
# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import dagster as dg

from ops_metrics.dashboards import data as marts
from ops_metrics.dashboards.headlines import Headlines, compute
from ops_metrics.dashboards.render import render_site
from ops_metrics.warehouse.base import WarehouseResource

MART_KEYS = [dg.AssetKey(["marts", name]) for name in marts.MARTS]

# Which headline figures describe which mart: reported as observations of that mart, so its own
# page in the UI plots them across runs.
MART_HEADLINES = {
    "fct_ops__mttr_weekly": ("mttr_hours", "mttd_hours", "incidents_last_week"),
    "fct_ops__slo_attainment": ("slo_attainment",),
    "fct_ai_telemetry__weekly_adoption": ("weekly_active_engineers",),
}


def summary(headlines: Headlines, index: str) -> str:
    def fmt(value: float | int | None, pattern: str) -> str:
        return "n/a" if value is None else pattern.format(value)

    # Only weeks every source of the family loaded whole ("n/a" until there is one).
    week = f"{headlines.week:%Y-%m-%d}" if headlines.week else "n/a"
    ai_week = f"{headlines.ai_week:%Y-%m-%d}" if headlines.ai_week else "n/a"
    return "\n".join(
        [
            f"**Week of {week}** ([open the dashboards]({index}))",
            "",
            "| figure | value |",
            "|---|---|",
            f"| MTTR | {fmt(headlines.mttr_hours, '{:.1f} h')} |",
            f"| SLO attainment (28 days, pooled) | {fmt(headlines.slo_attainment, '{:.1%}')} |",
            f"| SLOs missing objective | {fmt(headlines.slos_missing_objective, '{}')} |",
            f"| Weekly active engineers (AI tools, week of {ai_week}) | "
            f"{fmt(headlines.weekly_active_engineers, '{:,}')} |",
        ]
    )


@dg.asset(
    key="dashboards",
    deps=MART_KEYS,
    group_name="dashboards",
    kinds={"html"},
    # Re-render whenever a mart it reads is rebuilt (eager waits for in-progress parents).
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "Static site under $OPS_METRICS_HOME/dashboards (index, Engineering Health, AI Adoption, "
        "MTTR): inline SVG charts, no server, no network. Reads the marts through `warehouse` and "
        "writes no table, so it is not in the warehouse writer pool."
    ),
)
def dashboards(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    # Every query opens and closes its own connection: the DuckDB file is never held between.
    data = marts.load(warehouse)
    headlines = compute(data)
    written = render_site(data, headlines)
    index = written["Overview"].resolve().as_uri()
    figures = headlines.metadata()
    for mart, names in MART_HEADLINES.items():
        values = {n: figures[n] for n in names if n in figures}
        if values:
            context.log_event(
                dg.AssetObservation(
                    asset_key=dg.AssetKey(["marts", mart]),
                    metadata={
                        **values,
                        "week": dg.MetadataValue.text(
                            str(headlines.ai_week if "ai_telemetry" in mart else headlines.week)
                        ),
                    },
                )
            )
    return dg.MaterializeResult(
        metadata={
            **figures,
            "summary": dg.MetadataValue.md(summary(headlines, index)),
            "index": dg.MetadataValue.url(index),
            "pages": dg.MetadataValue.json({title: str(path) for title, path in written.items()}),
        }
    )
