"""The daily AI tools job at 14:30 UTC: vendors have finalised the previous day by then."""

from __future__ import annotations

import dagster as dg

from ops_metrics.ai_tools.assets import DAILY
from ops_metrics.registry import TOOLS
from ops_metrics.scheduling import partitioned_schedule, source_job


def tool_selection() -> dg.AssetSelection:
    return dg.AssetSelection.assets(*[dg.AssetKey(t.asset_key) for t in TOOLS])


def build_ai_tools_job(
    downstream: dg.AssetSelection | None = None,
) -> dg.UnresolvedAssetJobDefinition:
    return source_job(
        "ai_tools_daily",
        "ai_tools",
        tool_selection(),
        DAILY,
        "Yesterday's usage of every AI tool, then the AI telemetry models downstream.",
        downstream,
    )


def build_ai_tools_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron_schedule: str | None = None
) -> dg.ScheduleDefinition:
    # `cron_schedule` is for tests that need ticks every minute.
    return partitioned_schedule(
        job, "ai_tools_daily_schedule", cron_schedule, hour_of_day=14, minute_of_hour=30
    )
