"""The daily whole-table data tests.

The hourly incident job and the daily AI job build dbt incrementally and test only the rows each
run built (ops_metrics_dbt/macros/tests_scope.sql), so their cost follows the new data. Once a
day this job runs the same incremental build with every data test on whole tables: what a scoped
test cannot see (a duplicate key between an old row and a new one, a relationship an old row
lost) is caught within a day. 03:45 UTC: after the :05 hourly incident run, far from the 14:30
AI run.
"""

from __future__ import annotations

import dagster as dg

from ops_metrics.dbt.assets import DbtBuildConfig, ops_metrics_dbt_assets
from ops_metrics.scheduling import daily_schedule

WHOLE_TABLE_TESTS_JOB = "dbt_whole_table_tests_daily"


def build_whole_table_tests_job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        WHOLE_TABLE_TESTS_JOB,
        selection=dg.AssetSelection.assets(ops_metrics_dbt_assets),
        config=dg.RunConfig(
            ops={ops_metrics_dbt_assets.op.name: DbtBuildConfig(whole_table_tests=True)}
        ),
        description="Every dbt model (incremental) and every data test on whole tables.",
    )


def build_whole_table_tests_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron_schedule: str | None = None
) -> dg.ScheduleDefinition:
    # `cron_schedule` is for tests that need ticks every minute.
    return daily_schedule(
        job, "dbt_whole_table_tests_daily_schedule", 3, 45, cron_schedule=cron_schedule
    )
