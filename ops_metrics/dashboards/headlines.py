"""The few figures a reader looks at first; also attached to the assets as numeric metadata so
Dagster's UI plots them across materialisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import fmean

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


def _hours(rows: list[Row], column: str) -> float | None:
    values = [r[column] for r in rows if r[column] is not None]
    return round(fmean(values) / 3600, 3) if values else None


def pooled_attainment(rows: list[Row]) -> float | None:
    incidents = sum(r["rolling_incidents"] or 0 for r in rows)
    within = sum(r["rolling_incidents_within_target"] or 0 for r in rows)
    return round(within / incidents, 4) if incidents else None


def window_loaded(data: DashboardData, row: Row) -> bool:
    """Every week of an SLO row's rolling window was loaded whole: attainment, error budget and
    burn rate over a partly loaded window would count a fraction of its incidents."""
    weeks = max(1, -(-int(row["window_days"] or 7) // 7))
    return data.covered("ops").complete(row["week_start"], weeks)


def compute(data: DashboardData) -> Headlines:
    weeks = data.complete_weeks
    week = weeks[-1] if weeks else None
    ai_weeks = data.covered("ai").complete_weeks(data.weeks)
    ai_week = ai_weeks[-1] if ai_weeks else None
    incidents = [r for r in data.incidents if r["week_start"] == week]
    slo = [r for r in data.slo if r["week_start"] == week and window_loaded(data, r)]
    everyone = [
        r for r in data.adoption if r["week_start"] == ai_week and r["tool_group"] == "All tools"
    ]
    return Headlines(
        week=week,
        incidents=len(incidents) if week else None,
        mttr_hours=_hours(incidents, "ttr_sec"),
        mttd_hours=_hours(incidents, "ttd_sec"),
        slo_attainment=pooled_attainment(slo),
        slos_missing_objective=sum(1 for r in slo if r["is_meeting_objective"] is False)
        if slo
        else None,
        weekly_active_engineers=everyone[0]["active_engineers"] if everyone else None,
        ai_week=ai_week,
    )
