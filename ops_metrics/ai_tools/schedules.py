"""The daily AI tools job at its registry tick (14:30 UTC: vendors have finalised the previous day)."""

from __future__ import annotations

import dagster as dg

from ops_metrics.registry import TOOLS, Tool
from ops_metrics.scheduling import cadence_schedule, partitions_def, source_job


def tool_selection() -> dg.AssetSelection:
    return dg.AssetSelection.assets(*[dg.AssetKey(t.asset_key) for t in TOOLS])


def build_ai_tools_job(
    downstream: dg.AssetSelection | None = None,
) -> dg.UnresolvedAssetJobDefinition:
    return source_job(
        "ai_tools_daily",
        "ai_tools",
        tool_selection(),
        partitions_def(Tool.cadence),
        "Yesterday's usage of every AI tool, then the AI telemetry models downstream.",
        downstream,
    )


def build_ai_tools_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron_schedule: str | None = None
) -> dg.ScheduleDefinition:
    # `cron_schedule` is for tests that need ticks every minute.
    return cadence_schedule(job, "ai_tools_daily_schedule", Tool.cadence, cron_schedule)
