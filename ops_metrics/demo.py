"""`ops-metrics demo`: the main job on the embedded default.

Ingests the recent days of every source (one named run per source, so one failing source never
stops the others), builds the dbt models and the dashboards, and says where everything is. The
terminal gets one progress line per step and one line per failure cause; the run log
($OPS_METRICS_HOME/logs/demo-<UTC time>.log) gets everything else. The runs of the last
RECORDED_DAYS days are recorded in a Dagster instance under $OPS_METRICS_HOME so `dagster dev` shows
them afterwards; the older history runs in memory (see RECORDED_DAYS).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from ops_metrics import settings
from ops_metrics.console import RunLog, instance_home

# Re-exported: the demo's steps, shared with the emulator demo (tests import them from here).
from ops_metrics.demo_steps import Outcome, execute, mode_banner, summarize  # noqa: F401

# How many recent days `ops-metrics demo` loads when `--days` is not given: enough history for
# every period the dashboards show, 12 complete weeks, each with its whole 28-day window
# (ops_metrics.dashboards.data.HISTORY_DAYS).
DEFAULT_DAYS = 112
# Of those, the days whose runs are recorded in the instance `dagster dev` shows (named runs,
# materialised partitions); the older history goes through the same jobs in an in-memory instance,
# because recording a backfill's hourly partitions in the local SQLite instance costs ~60 ms each
# (10+ minutes for 16 weeks of three workspaces) against seconds for the load itself. A week is
# the span of the schedules' own runs and of the UI's recent partitions; the warehouse and its
# load log (`raw.ingestion_loads`) hold every day either way. See `pipeline.job_step`.
RECORDED_DAYS = 7
# The emulator demo shows the Snowflake SQL path, not the dashboards' history: a short load.
EMULATOR_DEFAULT_DAYS = 7

# Kept for callers of the old private name (tests, the emulator demo before it moved).
_instance_home = instance_home


def run_demo(days: int | None = None, target: str = "duckdb", verbose: bool = False) -> int:
    mode = settings.sources_mode()  # a bad OPS_METRICS_SOURCES fails here, naming the variable
    if target == "snowflake-emulator":
        from ops_metrics.snowflake_emulator import run_emulator_demo

        return run_emulator_demo(EMULATOR_DEFAULT_DAYS if days is None else days, verbose=verbose)
    days = DEFAULT_DAYS if days is None else days
    now = datetime.now(UTC)
    with RunLog("demo", verbose=verbose, now=now) as log:
        log.say(f"ops_metrics demo: {mode_banner(days, mode)}, up to {now:%Y-%m-%d %H:%M} UTC")
        log.say(f"  warehouse: {settings.duckdb_path()}")
        log.say(f"  run log:   {log.path}")
        log.say("preparing the dbt manifest (dbt parse) ...")
        with log.captured():
            import dagster as dg

            from ops_metrics.dbt.project import ops_metrics_dbt_project

            # Re-parse every time: a manifest left from before a model changed would run stale
            # SQL.
            ops_metrics_dbt_project.preparer.prepare(ops_metrics_dbt_project)
            from ops_metrics.pipeline import DETAILED, PipelineSteps
            from ops_metrics.sources import SourcesResource

            home = instance_home()
            instance = dg.DagsterInstance.get()
            # A single-run backfill of 112 days is 2,688 hourly partitions per workspace, and
            # Dagster's SQLite storage writes each planned partition as its own event (about half
            # of the run's time). One planned event per asset instead; the price is that a failed
            # backfill run does not mark its partitions failed in the UI (the run itself shows as
            # failed).
            os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
            # The default demo backfills months of history; the simulated vendors' rate limits
            # (Cursor's pacing) would make that minutes of waiting for nothing. Live mode keeps
            # the real limits (they are the vendors').
            sources = SourcesResource(mode=mode, simulator_rate_limits=False)
            steps = PipelineSteps.from_definitions(
                now=now,
                days=days,
                run_config=DETAILED,
                resource_overrides={"sources": sources},
                recorded_days=RECORDED_DAYS,
            )
        outcome = execute(steps, instance, log)
        summarize(outcome, steps.dashboards_index, log)
        warehouse = settings.duckdb_path()
        log.say(f'Warehouse: {warehouse}  (query it: ops-metrics sql "show all tables")')
        log.say(
            f"Explore in Dagster: DAGSTER_HOME={home} dagster dev   (then http://127.0.0.1:3000)"
        )
        if days > RECORDED_DAYS and outcome.loaded_sources:
            log.say(
                f"  it shows the runs of the last {RECORDED_DAYS} days; the older "
                f"{days - RECORDED_DAYS} days were loaded in memory (in the warehouse, not in "
                "Dagster's run history)"
            )
        log.say(f"Run log: {log.path}")
        return 0 if outcome.success else 1
