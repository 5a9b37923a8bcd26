"""The daemon for real: PostgreSQL storage, the queued run coordinator, run retries, schedules
ticking and the automation sensor, all driven by `dagster-daemon run` in its own process.

Tests share one deployment (starting it costs seconds); the scheduled runs progress in the
background while the quicker tests run, and the last test waits for them.
"""

import json
from concurrent.futures import ThreadPoolExecutor

import dagster as dg
import duckdb
import psycopg2
import pytest

from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.scheduling import SOURCE_TAG
from ops_metrics_tests.deploy.conftest import Deployment

pytestmark = pytest.mark.slow

HOLD_PARTITION = "2026-01-05-00:00"
# One mart per domain: the sensor built each chain from staging through to the marts.
AUTOMATED_MARTS = {
    dg.AssetKey(["marts", "fct_ops__incidents"]),
    dg.AssetKey(["marts", "fct_ai_telemetry__tool_daily_metrics"]),
}


def _runs(instance: dg.DagsterInstance, **filters: object) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(**filters)))


def test_production_instance_is_postgres_and_queued(deployment: Deployment) -> None:
    instance = deployment.instance
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert instance.run_monitoring_enabled


def test_failing_run_is_retried_by_policy_then_succeeds(deployment: Deployment) -> None:
    launched = deployment.cli("job", "launch", "-j", "deploy_test_flaky")
    assert launched.returncode == 0, launched.stderr
    instance = deployment.instance
    [first] = _runs(instance, job_name="deploy_test_flaky")
    # Submitted through the queued coordinator: the daemon, not the CLI, launched it.
    assert instance.get_run_by_id(first.run_id) is not None

    def retried() -> dg.DagsterRun | None:
        done = [
            r for r in _runs(instance, job_name="deploy_test_flaky") if r.status.name == "SUCCESS"
        ]
        return done[0] if done else None

    retry = deployment.wait_for("the retried flaky run", retried, timeout=120)
    assert isinstance(retry, dg.DagsterRun)
    assert instance.get_run_by_id(first.run_id).status == dg.DagsterRunStatus.FAILURE
    assert retry.tags["dagster/parent_run_id"] == first.run_id
    assert retry.tags["dagster/retry_number"] == "1"
    enqueued = instance.get_records_for_run(
        first.run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED
    ).records
    assert enqueued, "the first run did not go through the run queue"


def test_two_runs_of_one_partition_never_overlap(deployment: Deployment) -> None:
    tags = json.dumps({"dagster/partition": HOLD_PARTITION})
    # Both submitted at once; the queue, not the test, must keep them apart.
    with ThreadPoolExecutor(2) as pool:
        launches = list(
            pool.map(
                lambda _: deployment.cli("job", "launch", "-j", "deploy_test_hold", "--tags", tags),
                range(2),
            )
        )
    for launched in launches:
        assert launched.returncode == 0, launched.stderr
    instance = deployment.instance

    def both_done() -> list[dg.RunRecord] | None:
        records = instance.get_run_records(filters=dg.RunsFilter(job_name="deploy_test_hold"))
        finished = [r for r in records if r.dagster_run.is_finished]
        return records if len(records) == 2 and len(finished) == 2 else None

    records = deployment.wait_for("both hold runs", both_done, timeout=120)
    assert isinstance(records, list)
    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    first, second = sorted(records, key=lambda r: r.start_time or 0)
    assert first.end_time is not None and second.start_time is not None
    # Each run holds the partition for 4 s: had they overlapped, the second would start early.
    assert second.start_time >= first.end_time, (
        first.start_time,
        first.end_time,
        second.start_time,
    )


def test_schedules_and_automation_sensor_land_data(deployment: Deployment) -> None:
    instance = deployment.instance

    def succeeded(**filters: object) -> list[dg.DagsterRun]:
        return [r for r in _runs(instance, **filters) if r.status == dg.DagsterRunStatus.SUCCESS]

    def failed_runs() -> list[str]:
        return [
            f"{r.job_name} {r.run_id}"
            for r in _runs(instance, statuses=[dg.DagsterRunStatus.FAILURE])
            if r.job_name != "deploy_test_flaky"
        ]

    def all_landed() -> bool:
        assert not failed_runs(), f"runs failed: {failed_runs()}\n{deployment.log_tail()}"
        incident = succeeded(tags={"dagster/schedule_name": "incident_io_hourly_schedule"})
        ai = succeeded(tags={"dagster/schedule_name": "ai_tools_daily_schedule"})
        automated = succeeded(tags={"dagster/sensor_name": "automation_sensor"})
        built = {k for r in automated for k in (r.asset_selection or ())}
        return bool(incident and ai and built >= AUTOMATED_MARTS)

    try:
        deployment.wait_for("scheduled and automated runs", all_landed, timeout=210)
    finally:
        for run in _runs(instance):
            record = instance.get_run_record_by_id(run.run_id)
            print(run.job_name, run.status.name, record.start_time, record.end_time, run.tags)

    [incident_run, *_] = succeeded(tags={"dagster/schedule_name": "incident_io_hourly_schedule"})
    assert incident_run.tags[SOURCE_TAG] == "incident_io"
    assert incident_run.tags["dagster/partition"].endswith(":00")
    [ai_run, *_] = succeeded(tags={"dagster/schedule_name": "ai_tools_daily_schedule"})
    assert ai_run.tags[SOURCE_TAG] == "ai_tools"

    # Materialisations are in PostgreSQL's event log ...
    for key in [*(ws.asset_key for ws in WORKSPACES), *(t.asset_key for t in TOOLS)]:
        assert instance.get_latest_materialization_event(dg.AssetKey(key)) is not None, key
    pg = deployment.env
    with psycopg2.connect(
        host=pg["DAGSTER_PG_HOST"], port=pg["DAGSTER_PG_PORT"], user=pg["DAGSTER_PG_USER"],
        password=pg["DAGSTER_PG_PASSWORD"], dbname=pg["DAGSTER_PG_DB"],
    ) as conn, conn.cursor() as cur:  # fmt: skip
        cur.execute("select count(*) from runs where status = 'SUCCESS'")
        assert cur.fetchone()[0] >= 3
        cur.execute("select count(*) from job_ticks where status = 'SUCCESS'")
        assert cur.fetchone()[0] >= 2  # schedule ticks that requested runs

    # ... and the data is in the warehouse, through to the marts.
    with duckdb.connect(str(deployment.data / "warehouse.duckdb"), read_only=True) as db:
        tables = {
            row[0]
            for row in db.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        }
    for ws in WORKSPACES:
        assert f"raw.{ws.raw_table}" in tables
    assert {"marts.fct_ops__incidents", "marts.fct_ai_telemetry__tool_daily_metrics"} <= tables, (
        sorted(tables)
    )
