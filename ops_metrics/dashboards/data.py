"""What the dashboards read from the marts, through the warehouse resource.

SQL stays portable between DuckDB and Snowflake (no parameters, whose style differs; ISO weeks
are computed here rather than with each backend's week functions). Relation names come from the
dbt manifest, so a Snowflake developer sandbox (sandbox_<user>_marts) is read as built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from ops_metrics.warehouse.base import WarehouseResource

WEEKS_SHOWN = 12
MARTS = (
    "fct_ops__incidents",
    "fct_ops__mttr_weekly",
    "fct_ops__slo_attainment",
    "fct_ai_telemetry__weekly_adoption",
)
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
class DashboardData:
    as_of_ops: datetime | None
    as_of_ai: datetime | None
    weeks: list[date]  # the WEEKS_SHOWN ISO weeks up to the newest data, oldest first
    incidents: list[Row]
    mttr_weekly: list[Row]
    slo: list[Row]
    adoption: list[Row]

    @property
    def complete_weeks(self) -> list[date]:
        """Weeks that ended before the data's as-of day (the last one is usually partial)."""
        as_of = (self.as_of_ops or datetime.min).date()
        return [w for w in self.weeks if w + timedelta(days=7) <= as_of]


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
    incidents = _select(
        warehouse,
        "fct_ops__incidents",
        ["workspace", "severity", "incident_date", "ttd_sec", "ttr_sec", "is_resolved"],
        f"incident_date >= {since}",
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
        ],
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
    for row in incidents:
        row["week_start"] = week_start(row["incident_date"])
    # Start at the first week with data: a young warehouse should not show empty months.
    first = min(
        [r["week_start"] for r in incidents] + [r["week_start"] for r in adoption],
        default=weeks[-1],
    )
    weeks = [w for w in weeks if w >= first]
    return DashboardData(ops_as_of, ai_as_of, weeks, incidents, mttr, slo, adoption)
