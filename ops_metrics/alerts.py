"""Alerting on the code location's runs: the run-failure sensor.

It watches every job (ingestion, dbt, dashboards), so it lives beside the definitions rather
than with any one of them.
"""
# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import dagster as dg


@dg.run_failure_sensor(
    name="ops_metrics_run_failure_sensor",
    description="Logs every failed run with its job, assets and first error, for alerting.",
    # A failure alert that is off by default alerts nobody.
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
)
def run_failure_sensor(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    selection = sorted(key.to_user_string() for key in run.asset_selection or ())
    error = context.failure_event.message or "no error message"
    context.log.error(
        f"Run {run.run_id} of job {run.job_name} failed"
        + (f" (assets: {', '.join(selection)})" if selection else "")
        + f": {error}"
    )
