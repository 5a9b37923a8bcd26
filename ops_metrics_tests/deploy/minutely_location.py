"""The code location the daemon tests load: production's assets, jobs, sensors and resources,
with the two schedules on a test cron (OPS_METRICS_TEST_CRON, which the test sets to a minute just
ahead, so each schedule ticks once, for real, within the test; every minute when unset).

Jobs and schedules come from the production factories; only the cron differs. The jobs leave out
their dbt models so the automation sensor has to build them (in production the scheduled jobs
carry them), and steps run in the run's own process: on a 2-core CI machine a process per step
costs more than the steps. Runs are still launched in their own processes by the daemon. Two small jobs exercise the run queue and run retries without touching the warehouse.
"""
# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import os
import time
from pathlib import Path

import dagster as dg

from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.ai_tools.schedules import build_ai_tools_job, build_ai_tools_schedule
from ops_metrics.dbt import definitions as dbt_definitions
from ops_metrics.definitions import automation_sensor, resources
from ops_metrics.incident_io.assets import HOURLY, incident_assets
from ops_metrics.incident_io.schedules import build_incident_job, build_incident_schedule

TEST_CRON = os.environ.get("OPS_METRICS_TEST_CRON", "* * * * *")
FLAKY_FLAG = "flaky_failed_once"


def _flag_path() -> Path:
    return Path(os.environ["OPS_METRICS_HOME"]) / FLAKY_FLAG


@dg.asset(key=["deploy_test", "flaky"], group_name="deploy_test")
def flaky(context: dg.AssetExecutionContext) -> None:
    """Fails on its first attempt (as a vendor outage would), succeeds on the retry."""
    flag = _flag_path()
    if not flag.exists():
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.write_text(context.run.run_id)
        raise RuntimeError("transient failure on the first attempt")


@dg.asset(key=["deploy_test", "hold"], group_name="deploy_test", partitions_def=HOURLY)
def hold(context: dg.AssetExecutionContext) -> None:
    """Holds its partition for a few seconds, so overlapping runs would be visible."""
    time.sleep(4)


flaky_job = dg.define_asset_job("deploy_test_flaky", selection=[flaky])
hold_job = dg.define_asset_job("deploy_test_hold", selection=[hold], partitions_def=HOURLY)

incident_job = build_incident_job()
ai_tools_job = build_ai_tools_job()

defs = dg.Definitions.merge(
    dg.Definitions(
        assets=[*incident_assets, *tool_assets, flaky, hold],
        jobs=[incident_job, ai_tools_job, flaky_job, hold_job],
        schedules=[
            build_incident_schedule(incident_job, cron_schedule=TEST_CRON),
            build_ai_tools_schedule(ai_tools_job, cron_schedule=TEST_CRON),
        ],
        sensors=[automation_sensor],
        resources=resources(),
        executor=dg.in_process_executor,
    ),
    dbt_definitions.defs,
)
