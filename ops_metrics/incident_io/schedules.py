"""The hourly incident job: every workspace's latest hour (plus, once wired, its dbt models)."""

from __future__ import annotations

import dagster as dg

from ops_metrics.registry import WORKSPACES, Workspace
from ops_metrics.scheduling import cadence_schedule, partitions_def, source_job


def incident_selection() -> dg.AssetSelection:
    return dg.AssetSelection.assets(*[dg.AssetKey(ws.asset_key) for ws in WORKSPACES])


def build_incident_job(
    downstream: dg.AssetSelection | None = None,
) -> dg.UnresolvedAssetJobDefinition:
    return source_job(
        "incident_io_hourly",
        "incident_io",
        incident_selection(),
        partitions_def(Workspace.cadence),
        "Every Incident.io workspace's latest hour, then the incident models downstream.",
        downstream,
    )


def build_incident_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron_schedule: str | None = None
) -> dg.ScheduleDefinition:
    # `cron_schedule` is for tests that need ticks every minute.
    return cadence_schedule(job, "incident_io_hourly_schedule", Workspace.cadence, cron_schedule)
