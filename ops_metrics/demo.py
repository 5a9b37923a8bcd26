"""`ops-metrics demo`: the main job on the embedded default.

Ingests the recent days of every source (one named run per source, so one failing source never
stops the others), builds the dbt models and the dashboards, and says where everything is. The
terminal gets one progress line per step and one line per failure cause; the run log
($OPS_METRICS_HOME/logs/demo-<UTC time>.log) gets everything else. Runs are recorded in a Dagster
instance under $OPS_METRICS_HOME so `dagster dev` shows them afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ops_metrics import settings
from ops_metrics.console import RunLog, instance_home

# Re-exported: the demo's steps, shared with the emulator demo (tests import them from here).
from ops_metrics.demo_steps import Outcome, execute, mode_banner, summarize  # noqa: F401

# How many recent days `ops-metrics demo` loads when `--days` is not given.
DEFAULT_DAYS = 7

# Kept for callers of the old private name (tests, the emulator demo before it moved).
_instance_home = instance_home


def run_demo(days: int = DEFAULT_DAYS, target: str = "duckdb", verbose: bool = False) -> int:
    mode = settings.sources_mode()  # a bad OPS_METRICS_SOURCES fails here, naming the variable
    if target == "snowflake-emulator":
        from ops_metrics.snowflake_emulator import run_emulator_demo

        return run_emulator_demo(days, verbose=verbose)
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

            home = instance_home()
            instance = dg.DagsterInstance.get()
            steps = PipelineSteps.from_definitions(now=now, days=days, run_config=DETAILED)
        outcome = execute(steps, instance, log)
        summarize(outcome, steps.dashboards_index, log)
        warehouse = settings.duckdb_path()
        log.say(f'Warehouse: {warehouse}  (query it: ops-metrics sql "show all tables")')
        log.say(
            f"Explore in Dagster: DAGSTER_HOME={home} dagster dev   (then http://127.0.0.1:3000)"
        )
        log.say(f"Run log: {log.path}")
        return 0 if outcome.success else 1
