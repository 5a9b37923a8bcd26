"""The daily AI tools job at 14:30 UTC: vendors have finalised the previous day by then."""

from __future__ import annotations

import dagster as dg

from ops_metrics.ai_tools.assets import DAILY
from ops_metrics.registry import TOOLS
from ops_metrics.scheduling import SOURCE_TAG, partitioned_schedule


def tool_selection() -> dg.AssetSelection:
    return dg.AssetSelection.assets(*[dg.AssetKey(t.asset_key) for t in TOOLS])


def build_ai_tools_job(
    downstream: dg.AssetSelection | None = None,
) -> dg.UnresolvedAssetJobDefinition:
    selection = tool_selection() if downstream is None else tool_selection() | downstream
    return dg.define_asset_job(
        "ai_tools_daily",
        selection=selection,
        partitions_def=DAILY,
        tags={SOURCE_TAG: "ai_tools"},
        description="Yesterday's usage of every AI tool, then the AI telemetry models downstream.",
    )


def build_ai_tools_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron_schedule: str | None = None
) -> dg.ScheduleDefinition:
    # `cron_schedule` is for tests that need ticks every minute.
    return partitioned_schedule(
        job, "ai_tools_daily_schedule", cron_schedule, hour_of_day=14, minute_of_hour=30
    )
