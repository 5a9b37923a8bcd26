"""The dbt part of the code location; ops_metrics/definitions.py merges it."""

from __future__ import annotations

import dagster as dg

from ops_metrics.dbt.assets import dbt_resource, ops_metrics_dbt_assets
from ops_metrics.dbt.schedules import (
    build_whole_table_tests_job,
    build_whole_table_tests_schedule,
)
from ops_metrics.dbt.translator import LOAD_LOG_ASSET

whole_table_tests_job = build_whole_table_tests_job()

defs = dg.Definitions(
    assets=[ops_metrics_dbt_assets, LOAD_LOG_ASSET],
    jobs=[whole_table_tests_job],
    schedules=[build_whole_table_tests_schedule(whole_table_tests_job)],
    resources={"dbt": dbt_resource()},
)
