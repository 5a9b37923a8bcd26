"""`ops-metrics demo`: the main job on the embedded default.

Ingests the recent days of every source from the simulators (one run per source, so one failing
source never stops the others), builds the dbt models and the dashboards, and says where
everything is. Runs are recorded in a Dagster instance under $OPS_METRICS_HOME so `dagster dev`
shows them afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ops_metrics import settings


def _instance_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    # The laptop instance (one DuckDB writer at a time, run queue limits), so `dagster dev` on
    # this home honours them too. A dagster.yaml already there is the user's: keep it.
    local_yaml = settings.PROJECT_ROOT / "deploy" / "dagster.local.yaml"
    if local_yaml.exists() and not (home / "dagster.yaml").exists():
        shutil.copyfile(local_yaml, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _say(message: str) -> None:
    print(message, flush=True)


# Enough history for every period the dashboards show: 12 complete weeks, each with its whole
# 28-day window (ops_metrics.dashboards.data.HISTORY_DAYS).
DEFAULT_DAYS = 112
# The emulator demo shows the Snowflake SQL path, not the dashboards' history: a short load.
EMULATOR_DEFAULT_DAYS = 7


def run_demo(days: int | None = None, target: str = "duckdb") -> int:
    if target == "snowflake-emulator":
        from ops_metrics.snowflake_emulator import run_emulator_demo

        return run_emulator_demo(EMULATOR_DEFAULT_DAYS if days is None else days)
    days = DEFAULT_DAYS if days is None else days
    import warnings

    import dagster as dg

    # Beta/preview notices about our own definitions are for developers, not demo output.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    _say("preparing the dbt manifest (dbt parse) ...")
    from ops_metrics.dbt.project import ops_metrics_dbt_project

    # Re-parse every time: a manifest left from before a model changed would run stale SQL.
    ops_metrics_dbt_project.preparer.prepare(ops_metrics_dbt_project)
    from ops_metrics.pipeline import PipelineSteps

    home = _instance_home()
    instance = dg.DagsterInstance.get()
    now = datetime.now(UTC)
    from ops_metrics.sources import SourcesResource

    # A single-run backfill of 112 days is 2,688 hourly partitions per workspace, and Dagster's
    # SQLite storage writes each planned partition as its own event (about half of the run's
    # time). One planned event per asset instead; the price is that a failed backfill run does
    # not mark its partitions failed in the UI (the run itself shows as failed).
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")

    # The default demo backfills months of history; the simulated vendors' rate limits (Cursor's
    # pacing) would make that minutes of waiting for nothing. Live mode is unaffected.
    sources = SourcesResource(mode=settings.sources_mode(), simulator_rate_limits=False)
    steps = PipelineSteps.from_definitions(
        now=now, days=days, resource_overrides={"sources": sources}
    )
    _say(f"ops_metrics demo: {days} days of simulated data up to {now:%Y-%m-%d %H:%M} UTC")
    _say(f"  warehouse: {settings.duckdb_path()}")
    failures = []
    total = len(steps.steps)
    # dbt re-emits every event on stdout; the demo keeps its own progress lines readable and
    # leaves the full output in a log beside the data.
    log_path = settings.home() / "logs" / "demo.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _say(f"  full output: {log_path}")
    for number, step in enumerate(steps.steps, start=1):
        started = time.monotonic()
        _say(f"[{number}/{total}] {step.label} ...")
        with log_path.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            print(f"== {step.label}", flush=True)
            result = step.run(instance)
        took = time.monotonic() - started
        if result.success:
            _say(f"[{number}/{total}] {step.label}: ok in {took:.1f}s {result.summary}")
        else:
            failures.append(step.label)
            _say(f"[{number}/{total}] {step.label}: FAILED in {took:.1f}s: {result.summary}")
    _say("")
    _say(
        f"Warehouse: {settings.duckdb_path()}  (duckdb {settings.duckdb_path()} -c 'show all tables')"
    )
    for line in steps.closing_lines():
        _say(line)
    _say(f"Explore in Dagster: DAGSTER_HOME={home} dagster dev   (then open http://127.0.0.1:3000)")
    if failures:
        _say(f"{len(failures)} step(s) failed: {', '.join(failures)}")
        return 1
    return 0


def recent_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The last `days` whole days up to the hour that just closed."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end
