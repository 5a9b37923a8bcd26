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
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ops_metrics import settings
from ops_metrics.console import RunLog, instance_home

if TYPE_CHECKING:
    import dagster as dg

    from ops_metrics.pipeline import PipelineSteps

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


def mode_banner(days: int, mode: str) -> str:
    """What the demo is about to do, first line of its output: the mode is the first thing to
    know when reading what follows."""
    span = f"{days} day{'s' if days != 1 else ''}"
    if mode == "live":
        return (
            f"{span} of LIVE data (OPS_METRICS_SOURCES=live: the vendors' APIs, keys read from "
            "the environment)"
        )
    return f"{span} of simulated data (the built-in simulators; nothing leaves this machine)"


@dataclass
class Outcome:
    """What a demo's steps did: the sources loaded and failed, the build's fate, and each failure
    cause once, one line each."""

    failed_sources: list[str] = field(default_factory=list)
    loaded_sources: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    build_failed: bool = False
    build_skipped: bool = False
    dashboards_built: bool = False

    @property
    def success(self) -> bool:
        return not self.failed_sources and not self.build_failed and not self.build_skipped


def execute(steps: PipelineSteps, instance: dg.DagsterInstance, log: RunLog) -> Outcome:
    """Run the pipeline's steps in order, one progress line each; their output goes to `log`.
    The downstream build is skipped when no source loaded: it would only rebuild old data and
    present it as this run's."""
    outcome = Outcome()
    total = len(steps.steps)
    for number, step in enumerate(steps.steps, start=1):
        prefix = f"[{number}/{total}] {step.label}"
        source = step.source.to_user_string().rsplit("/", 1)[0] if step.source else None
        if source is None and not outcome.loaded_sources and outcome.failed_sources:
            outcome.build_skipped = True
            log.say(f"{prefix}: skipped (no source loaded, nothing new to build)")
            continue
        log.say(f"{prefix} ...")
        log.write(f"== {step.label}")
        started = time.monotonic()
        with log.captured():
            result = step.run(instance)
        took = time.monotonic() - started
        if result.success:
            log.say(f"{prefix}: ok in {took:.1f}s {result.summary}")
            if source:
                outcome.loaded_sources.append(source)
            elif "dashboards" in result.metadata:
                outcome.dashboards_built = True
            continue
        log.say(f"{prefix}: FAILED in {took:.1f}s")
        log.detail(result.detail)
        if source:
            outcome.failed_sources.append(source)
        else:
            outcome.build_failed = True
            outcome.dashboards_built = "dashboards" in result.metadata
            result.failures[:] = [f"build: {line}" for line in result.failures]
        for line in result.failures:
            if line not in outcome.failures:
                outcome.failures.append(line)
    return outcome


def summarize(outcome: Outcome, dashboards_index: str | None, log: RunLog) -> None:
    """The end of the output: each failure cause once, then whether the dashboards are current."""
    log.say("")
    if outcome.failed_sources:
        loaded = len(outcome.loaded_sources)
        total = loaded + len(outcome.failed_sources)
        log.say(f"{len(outcome.failed_sources)} of {total} sources failed to load:")
    elif outcome.failures:
        log.say("The build failed:")
    for line in outcome.failures:
        log.say(f"  {line}")
    if dashboards_index is None:
        return
    if outcome.build_skipped:
        log.say(
            "Dashboards: NOT rebuilt (no source loaded). "
            f"{dashboards_index} shows an earlier run's data, if any."
        )
    elif not outcome.dashboards_built:
        log.say(
            "Dashboards: NOT rebuilt (the build failed, see above). "
            f"{dashboards_index} shows an earlier run's data, if any."
        )
    elif outcome.failed_sources:
        log.say(f"Dashboards: {dashboards_index}  (static files: open in a browser, no server)")
        log.say(
            f"  NOT current for {', '.join(outcome.failed_sources)}: their loads failed, so "
            "their figures are whatever the warehouse held before this run."
        )
    else:
        log.say(f"Dashboards: {dashboards_index}  (static files: open in a browser, no server)")


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


def recent_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The last `days` whole days up to the hour that just closed."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end
