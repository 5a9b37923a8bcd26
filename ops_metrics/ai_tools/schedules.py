"""The daily AI tools job at 14:30 UTC: vendors have finalised the previous day by then."""

from __future__ import annotations

import dagster as dg

from ops_metrics.ai_tools.assets import DAILY
from ops_metrics.registry import TOOLS


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
        description="Yesterday's usage of every AI tool, then the AI telemetry models downstream.",
    )


def build_ai_tools_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.build_schedule_from_partitioned_job(
        job,
        hour_of_day=14,
        minute_of_hour=30,
        name="ai_tools_daily_schedule",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
