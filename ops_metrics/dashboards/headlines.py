"""The few figures a reader looks at first, selected from the marts; also attached to the assets
as numeric metadata so Dagster's UI plots them across materialisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ops_metrics.dashboards.data import DashboardData, Row


@dataclass
class Headlines:
    week: date | None  # the last ISO week every Incident.io workspace loaded whole
    incidents: int | None  # None: no week loaded whole
    mttr_hours: float | None
    mttd_hours: float | None
    slo_attainment: float | None  # rolling window, all SLOs pooled
    slos_missing_objective: int | None  # None: no SLO window loaded whole
    weekly_active_engineers: int | None
    ai_week: date | None = None  # the last ISO week every AI tool loaded whole

    def metadata(self) -> dict[str, float | int | str]:
        """Numeric metadata only where known: a missing value must not plot as 0."""
        values: dict[str, float | int | None] = {
            "mttr_hours": self.mttr_hours,
            "mttd_hours": self.mttd_hours,
            "slo_attainment": self.slo_attainment,
            "weekly_active_engineers": self.weekly_active_engineers,
            "incidents_last_week": self.incidents,
        }
        return {
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in values.items()
            if v is not None
        }


ALL_WORKSPACES, ALL_SEVERITIES = "All workspaces", "All severities"


def find(rows: list[Row], **key: object) -> Row:
    """The one mart row with these column values, or {} (no row: no figure)."""
    return next((r for r in rows if all(r[k] == v for k, v in key.items())), {})


def all_incidents(data: DashboardData, week: date | None) -> Row:
    """The week's row over every workspace and severity (fct_ops__incidents_weekly_rollup)."""
    return find(
        data.incident_weeks,
        workspace=ALL_WORKSPACES,
        severity_group=ALL_SEVERITIES,
        week_start=week,
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 3)


def compute(data: DashboardData) -> Headlines:
    """The headline week's figures, as the marts computed them (only weeks loaded whole)."""
    weeks = data.complete_weeks
    week = weeks[-1] if weeks else None
    ai_weeks = data.covered("ai").complete_weeks(data.weeks)
    ai_week = ai_weeks[-1] if ai_weeks else None
    everywhere = all_incidents(data, week)
    slo = find(data.slo_pooled, workspace=ALL_WORKSPACES, week_start=week)
    everyone = find(data.adoption, week_start=ai_week, tool_group="All tools")
    attainment = slo.get("rolling_attainment")
    return Headlines(
        week=week,
        # No row for a loaded-whole week: no incident was ever loaded.
        incidents=everywhere.get("incidents", 0) if week else None,
        mttr_hours=_hours(everywhere.get("mttr_sec")),
        mttd_hours=_hours(everywhere.get("mttd_sec")),
        slo_attainment=None if attainment is None else round(attainment, 4),
        slos_missing_objective=slo.get("slos_missing_objective"),
        weekly_active_engineers=everyone.get("active_engineers"),
        ai_week=ai_week,
    )
