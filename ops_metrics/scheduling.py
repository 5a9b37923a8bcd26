"""What the scheduled jobs share: the run tag the run queue limits on, and the partitioned
schedule factory with a cron override for tests."""

from __future__ import annotations

from typing import Any

import dagster as dg

from ops_metrics.registry import Cadence

# Runs carry the source they load; the instance's run queue allows one run per source at a time
# (deploy/dagster.*.yaml, deploy/helm/values.yaml).
SOURCE_TAG = "ops_metrics/source"


def partitions_def(cadence: Cadence) -> dg.TimeWindowPartitionsDefinition:
    """A source family's partitions, from its registry cadence (UTC)."""
    if cadence.grain == "hourly":
        return dg.HourlyPartitionsDefinition(
            start_date=f"{cadence.start.isoformat()}-00:00", timezone="UTC"
        )
    return dg.DailyPartitionsDefinition(start_date=cadence.start.isoformat(), timezone="UTC")


def cadence_schedule(
    job: dg.UnresolvedAssetJobDefinition,
    name: str,
    cadence: Cadence,
    cron_schedule: str | None = None,
) -> dg.ScheduleDefinition:
    """The job's schedule at its family's registry tick (or on `cron_schedule`, for tests)."""
    tick: dict[str, int] = {"minute_of_hour": cadence.minute_of_hour}
    if cadence.hour_of_day is not None:
        tick["hour_of_day"] = cadence.hour_of_day
    return partitioned_schedule(job, name, cron_schedule, **tick)


def source_job(
    name: str,
    source: str,
    selection: dg.AssetSelection,
    partitions_def: dg.PartitionsDefinition,
    description: str,
    downstream: dg.AssetSelection | None = None,
) -> dg.UnresolvedAssetJobDefinition:
    """A scheduled job: one source family's assets, plus the models downstream of them, tagged
    with the source so the run queue keeps one run per source at a time."""
    return dg.define_asset_job(
        name,
        selection=selection if downstream is None else selection | downstream,
        partitions_def=partitions_def,
        tags={SOURCE_TAG: source},
        description=description,
    )


def daily_schedule(
    job: dg.UnresolvedAssetJobDefinition,
    name: str,
    hour_of_day: int,
    minute_of_hour: int,
    cron_schedule: str | None = None,
) -> dg.ScheduleDefinition:
    """An unpartitioned job once a day at hour:minute UTC (or on `cron_schedule`, for tests),
    running by default like the partitioned schedules."""
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule=cron_schedule or f"{minute_of_hour} {hour_of_day} * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


def partitioned_schedule(
    job: dg.UnresolvedAssetJobDefinition,
    name: str,
    cron_schedule: str | None = None,
    **cadence: Any,
) -> dg.ScheduleDefinition:
    """The job's latest complete partition on the partitions' own cadence (`cadence` takes
    minute_of_hour / hour_of_day), or on `cron_schedule` when given.

    Dagster refuses a cron for a time-partitioned job, so the override asks for the same thing
    its schedule does (the last complete partition at the tick, with the partition key as run
    key): tests can then tick every minute and still exercise the production job and tags.
    """
    status = dg.DefaultScheduleStatus.RUNNING
    if cron_schedule is None:
        return dg.build_schedule_from_partitioned_job(
            job, name=name, default_status=status, **cadence
        )
    partitions = job.partitions_def
    if not isinstance(partitions, dg.TimeWindowPartitionsDefinition):
        raise dg.DagsterInvalidDefinitionError(f"{job.name} is not time-partitioned")

    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=cron_schedule,
        execution_timezone=partitions.timezone,
        default_status=status,
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        # The window before the one the tick falls in is the last one complete at the tick.
        window = partitions.get_prev_partition_window(context.scheduled_execution_time)
        if window is None:
            return dg.SkipReason("no complete partition yet")
        key = partitions.get_partition_key_for_timestamp(window.start.timestamp())
        return dg.RunRequest(run_key=key, partition_key=key)

    return _schedule
