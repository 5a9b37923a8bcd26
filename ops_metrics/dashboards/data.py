"""What the dashboards read from the marts, through the warehouse resource.

Only selects: every figure a page shows (weekly counts, pooled means and attainment, changes,
burn rates, percentiles) and its coverage gating is computed by the dbt marts, where dbt tests
see it; the pages pick rows and format them. SQL stays portable between DuckDB and Snowflake (no
parameters, whose style differs). Relation names come from the dbt manifest, so a Snowflake
developer sandbox (sandbox_<user>_marts) is read as built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from ops_metrics.warehouse.base import WarehouseResource

WEEKS_SHOWN = 12
# The longest window a shown figure spans: the rolling 28-day SLO attainment and the AI cohorts'
# 28-day population, i.e. the week itself and 3 before it.
WINDOW_WEEKS = 4
# Days of history for every shown week to be complete with its 28-day window: the weeks shown,
# the 3 weeks before the first of them, and up to a week of partial days at either end. The
# demo's default.
HISTORY_DAYS = 7 * (WEEKS_SHOWN + WINDOW_WEEKS)
MARTS = (
    "fct_ops__incidents",
    "fct_ops__incidents_weekly_rollup",
    "fct_ops__mttr_weekly",
    "fct_ops__slo_attainment",
    "fct_ops__slo_attainment_pooled",
    "fct_ai_telemetry__weekly_adoption",
    "fct_ingestion__weekly_coverage",
    "fct_ingestion__source_coverage",
)
# Source family (the first part of an ingestion asset key) of each dashboard domain.
FAMILIES = {"ops": "incident_io", "ai": "ai_tools"}
Row = dict[str, Any]


@cache
def relations() -> dict[str, str]:
    """schema.table of each mart as the dbt manifest has it (target-specific schema names)."""
    from ops_metrics.dbt.project import ensure_manifest

    nodes = json.loads(ensure_manifest().read_text())["nodes"]
    out = {}
    for name in MARTS:
        # A manifest older than the mart (parsed before it existed): the production schema.
        node = nodes.get(f"model.ops_metrics.{name}", {"schema": "marts"})
        out[name] = f"{node['schema']}.{node.get('alias') or name}"
    return out


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Coverage:
    """What one source family has loaded whole, from the dbt coverage marts: a figure over a
    period is shown only when every week of that period is complete."""

    runs: dict[date, int] = field(default_factory=dict)  # week -> complete weeks ending with it
    periods: list[Row] = field(default_factory=list)  # per source: covered_from, covered_until

    def complete(self, week: date | None, weeks: int = 1) -> bool:
        """`week` and the `weeks - 1` weeks before it are all fully loaded."""
        return week is not None and self.runs.get(week, 0) >= weeks

    def complete_weeks(self, weeks: list[date]) -> list[date]:
        return [w for w in weeks if self.complete(w)]


@dataclass
class DashboardData:
    as_of_ops: datetime | None
    as_of_ai: datetime | None
    weeks: list[date]  # the WEEKS_SHOWN ISO weeks up to the newest data, oldest first
    incident_weeks: list[Row]  # fct_ops__incidents_weekly_rollup
    mttr_weekly: list[Row]
    slo: list[Row]
    slo_pooled: list[Row]  # fct_ops__slo_attainment_pooled
    adoption: list[Row]
    # "ops" (Incident.io) and "ai" (AI tools): which weeks each family has loaded whole.
    coverage: dict[str, Coverage] = field(default_factory=dict)

    def covered(self, domain: str) -> Coverage:
        return self.coverage.get(domain) or Coverage()

    @property
    def complete_weeks(self) -> list[date]:
        """Shown weeks every Incident.io workspace has loaded whole (never the week in progress)."""
        return self.covered("ops").complete_weeks(self.weeks)


def _plain(value: Any) -> Any:
    # Snowflake returns NUMBER(p, s) as Decimal; charts and Dagster metadata want floats.
    return float(value) if isinstance(value, Decimal) else value


def _rows(warehouse: WarehouseResource, sql: str, columns: list[str]) -> list[Row]:
    return [dict(zip(columns, map(_plain, row), strict=True)) for row in warehouse.query(sql)]


def _select(warehouse: WarehouseResource, mart: str, columns: list[str], where: str) -> list[Row]:
    sql = f"select {', '.join(columns)} from {relations()[mart]} where {where}"
    return _rows(warehouse, sql, columns)


def load(warehouse: WarehouseResource, today: date | None = None) -> DashboardData:
    rel = relations()
    (ops_as_of,) = warehouse.query(f"select max(updated_at) from {rel['fct_ops__incidents']}")[0]
    (ai_as_of,) = warehouse.query(
        f"select max(data_as_of) from {rel['fct_ai_telemetry__weekly_adoption']}"
    )[0]
    newest = max(
        (d.date() for d in (ops_as_of, ai_as_of) if d is not None), default=today or date.today()
    )
    last = week_start(newest)
    weeks = [last - timedelta(weeks=WEEKS_SHOWN - 1 - i) for i in range(WEEKS_SHOWN)]
    since = f"date '{weeks[0].isoformat()}'"
    incident_weeks = _select(
        warehouse,
        "fct_ops__incidents_weekly_rollup",
        [
            "workspace",
            "severity_group",
            "week_start",
            "is_loaded_whole",
            "is_change_loaded_whole",
            "incidents_created",
            "incidents",
            "mttd_sec",
            "mttr_sec",
            "mttr_wow_change_pct",
            "recent_weeks_loaded_whole",
            "recent_incidents",
        ],
        f"week_start >= {since}",
    )
    mttr = _select(
        warehouse,
        "fct_ops__mttr_weekly",
        [
            "workspace",
            "severity",
            "week_start",
            "incident_count",
            "mttd_sec",
            "mttr_sec",
            "mttd_wow_change_pct",
            "mttr_wow_change_pct",
            "is_change_loaded_whole",
        ],
        f"week_start >= {since}",
    )
    slo = _select(
        warehouse,
        "fct_ops__slo_attainment",
        [
            "workspace",
            "severity",
            "week_start",
            "resolution_target_hours",
            "attainment_objective",
            "window_days",
            "incidents",
            "incidents_within_target",
            "incidents_missed",
            "incidents_pending",
            "incidents_excluded",
            "attainment",
            "rolling_incidents",
            "rolling_incidents_within_target",
            "rolling_incidents_missed",
            "rolling_attainment",
            "rolling_error_budget_remaining",
            "rolling_burn_rate",
            "is_meeting_objective",
            "is_window_loaded",
        ],
        f"week_start >= {since}",
    )
    slo_pooled = _select(
        warehouse,
        "fct_ops__slo_attainment_pooled",
        ["workspace", "week_start", "rolling_attainment", "slos_missing_objective"],
        f"week_start >= {since}",
    )
    adoption = _select(
        warehouse,
        "fct_ai_telemetry__weekly_adoption",
        [
            "week_start",
            "tool_group",
            "tools",
            "is_suppressed",
            "is_loaded_whole",
            "is_window_loaded_whole",
            "active_engineers",
            "engineers_none",
            "engineers_light",
            "engineers_moderate",
            "engineers_heavy",
            "tokens_total",
            "estimated_share",
            "cost_usd_known",
            "cost_known_share",
            "tokens_per_engineer_p50",
            "tokens_per_engineer_p75",
            "tokens_per_engineer_p95",
        ],
        f"week_start >= {since}",
    )
    for row in (*incident_weeks, *mttr, *slo, *slo_pooled, *adoption):
        row["week_start"] = _day(row["week_start"])
    coverage = _coverage(warehouse)
    # Start at the first week with data: a young warehouse should not show empty months.
    first = min(
        [r["week_start"] for r in incident_weeks if r["incidents_created"]]
        + [r["week_start"] for r in adoption],
        default=weeks[-1],
    )
    weeks = [w for w in weeks if w >= first]
    return DashboardData(
        ops_as_of, ai_as_of, weeks, incident_weeks, mttr, slo, slo_pooled, adoption, coverage
    )


def _coverage(warehouse: WarehouseResource) -> dict[str, Coverage]:
    weekly = _select(
        warehouse,
        "fct_ingestion__weekly_coverage",
        ["family", "week_start", "consecutive_complete_weeks"],
        "is_complete",
    )
    periods = _select(
        warehouse,
        "fct_ingestion__source_coverage",
        ["source", "family", "covered_from", "covered_until"],
        "covered_until > covered_from",
    )
    out = {}
    for domain, family in FAMILIES.items():
        out[domain] = Coverage(
            {
                _day(r["week_start"]): int(r["consecutive_complete_weeks"])
                for r in weekly
                if r["family"] == family
            },
            sorted(
                (r for r in periods if r["family"] == family),
                key=lambda r: (r["source"], r["covered_from"]),
            ),
        )
    return out


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
