"""dbt worker: a year of simulated data in the raw tables, then the dbt runs the product launches.

- full refresh: the whole project rebuilt from a year of every source (the dbt assets' Dagster
  run config `full_refresh: true`);
- hourly: what the hourly incident job runs after one more hour of incidents is merged (its dbt
  selection, `ops_metrics.dbt.assets.INCIDENT_MODELS`);
- for information, a full refresh of that same selection, and a run that selects nothing (dbt's
  fixed cost: start, manifest, artifacts).

Every run uses the product's arguments and environment (`BUILD_ARGS`, `dbt_subprocess_env`) in
this process through dbtRunner, so dbt's import (~3 s in a subprocess) is paid once, not per run.

History scaling (`--history-years N --hourly-only`): the year of incidents is copied N-1 times
into raw, each copy 364 days (52 weeks) further back under other ids, so the same year's shape
repeats over N years, all of it loaded two days earlier (`backdate_loads`); then the incident
models are built once and only the hourly run is
measured, on one thread, so its warehouse clock can be compared at one and three years of
history. AI usage is not loaded in that mode: the hourly run builds the incident models only.

Incidents are merged straight through the product's rows path (Incident model -> incident_row ->
DuckDBWarehouse.merge) without HTTP: ingestion has its own benchmark. AI usage goes through the
tool assets (single-run backfills of the year) against the simulator, its rate limits lifted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import REPO_ROOT, emit, stopwatch
from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_row, table_spec
from ops_metrics.registry import WORKSPACES
from ops_metrics.simulators.app import SimulatorOptions
from ops_metrics.simulators.incident_io import incident_universe, to_ms
from ops_metrics.warehouse.duckdb import DuckDBWarehouse

YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)  # the year 2025 of simulated data
DBT_DIR = str(REPO_ROOT / "ops_metrics_dbt")
NOTHING = "tag:__benchmark_selects_nothing__"
# The leanest hourly run that still refreshes the incident marts: their tables alone, no views,
# seeds or tests. Not something the product runs; the floor any hourly dbt run stands on.
MARTS_ONLY = "tag:ops,config.materialized:table tag:ops,config.materialized:incremental"


def load_incidents(wh: DuckDBWarehouse, per_workspace: int, start: datetime, end: datetime) -> int:
    """Merge every incident whose updated_at (as seen at `end`) falls in [start, end)."""
    total = 0
    for ws in WORKSPACES:
        universe = incident_universe(
            ws.name, SimulatorOptions(incidents_per_workspace=per_workspace)
        )
        lo, hi = to_ms(start), to_ms(end)
        rows = []
        for inc in universe.visible_incidents(hi):
            if lo <= inc.updated_at(hi) < hi:
                payload = universe.payload(inc, hi)
                rows.append(incident_row(ws, Incident.model_validate(payload), payload))
        wh.merge(table_spec(ws), [rows], run_id=f"bench-{end.isoformat()}")
        total += len(rows)
    return total


def load_ai_usage(start: datetime, end: datetime) -> int:
    """A year of every AI tool through its asset: one single-run backfill per tool, as the demo
    runs it (`pipeline.materialize_step`)."""
    import dagster as dg

    from ops_metrics.definitions import defs, resources
    from ops_metrics.pipeline import declared_assets_def, materialize_step
    from ops_metrics.registry import TOOLS
    from ops_metrics.sources import SourcesResource

    wired = {
        **resources(),
        "sources": SourcesResource(
            simulator_frozen_at=(end + timedelta(days=1)).isoformat(), simulator_rate_limits=False
        ),
    }
    days = (start.date().isoformat(), (end - timedelta(days=1)).date().isoformat())
    instance = dg.DagsterInstance.ephemeral()
    rows = 0
    for tool in TOOLS:
        assets_def = declared_assets_def(defs, dg.AssetKey(tool.asset_key))
        step = materialize_step(tool.name, [assets_def], wired, partition_range=days)
        result = step.run(instance)
        if not result.success:
            raise RuntimeError(f"loading {tool.name} failed: {result.summary}")
        rows += sum(int(m.get("rows_staged") or 0) for m in result.metadata.values())
        print(f"dbt bench: loaded {tool.name} {days[0]} … {days[1]}", file=sys.stderr, flush=True)
    return rows


INCIDENT_TIMES = ("created_at", "updated_at", "detected_at", "fixed_at", "resolved_at", "closed_at")


def replicate_history(wh: DuckDBWarehouse, years: int) -> int:
    """Copy every raw incident `years - 1` times, each copy 52 weeks further back (ids suffixed),
    keeping its `_loaded_at`: as if the warehouse had been loading for `years` years."""
    added = 0
    with wh.connect() as con:
        for ws in WORKSPACES:
            table = f"raw.{ws.raw_table}"
            names = [r[0] for r in con.execute(f"select * from {table} limit 0").description]
            for k in range(1, years):
                shift = f"interval {364 * k} day"
                values = [
                    f"id || '-y{k}'"
                    if n == "id"
                    else f"{n} - {shift}"
                    if n in INCIDENT_TIMES
                    else n
                    for n in names
                ]
                con.execute(
                    f"insert into {table} ({', '.join(names)}) "
                    f"select {', '.join(values)} from {table} where id not like '%-y%'"
                )
            added += con.execute(f"select count(*) from {table}").fetchone()[0]
    return added


def backdate_loads(wh: DuckDBWarehouse, days: int = 2) -> None:
    """Move every raw row's `_loaded_at` back `days`: the history was loaded days ago, as in
    production, not minutes before the first hourly run. Otherwise the incremental models'
    safety margin (var loaded_at_margin_minutes, an hour) would re-read the whole history on
    every measured run."""
    with wh.connect() as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        for (table,) in tables:
            con.execute(
                f"update raw.{table} set _loaded_at = _loaded_at - interval {int(days)} day"
            )


class WarehouseClock:
    """Seconds dbt's DuckDB connections spend inside `execute`, summed over its threads: the
    warehouse's share of a run, apart from dbt's own Python (Jinja, events, artifacts). On
    Snowflake this is the part a warehouse bills. Benchmark instrumentation only: it wraps
    dbt-duckdb's cursor in this worker process, never in the product."""

    def __init__(self) -> None:
        from dbt.adapters.duckdb.environments import local

        self.seconds = 0.0
        # CPU seconds of this process while a statement runs (DuckDB's threads, as dbt's own
        # thread waits): on the shared machine, other processes stretch the wall clock of a
        # statement but not the work it does, so this is the steadier of the two under load.
        self.cpu_seconds = 0.0
        lock = threading.Lock()
        execute = local.DuckDBCursorWrapper.execute

        def timed(cursor: object, sql: str, bindings: object = None) -> object:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return execute(cursor, sql, bindings)
            finally:
                with lock:
                    self.seconds += time.perf_counter() - start
                    self.cpu_seconds += time.process_time() - cpu

        local.DuckDBCursorWrapper.execute = timed

    def reset(self) -> None:
        self.seconds = 0.0
        self.cpu_seconds = 0.0


WAREHOUSE: WarehouseClock | None = None


def node_seconds() -> dict[str, float]:
    """What the last dbt invocation spent executing nodes, from its run_results.json, summed by
    resource type (models, data tests, unit tests, seeds). Nodes run on `threads` at once, so the
    sums can exceed the wall clock; what the wall clock has beyond them is dbt's own start, parse
    and scheduling, which no model change can shrink."""
    results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    out = {"model": 0.0, "test": 0.0, "unit_test": 0.0, "seed": 0.0, "other": 0.0, "nodes": 0.0}
    for r in results["results"]:
        kind = r["unique_id"].split(".", 1)[0]
        out[kind if kind in out else "other"] += float(r["execution_time"])
        out["nodes"] += 1
    if WAREHOUSE is not None:
        out["sql"] = WAREHOUSE.seconds
        out["sql_cpu"] = WAREHOUSE.cpu_seconds
    if os.environ.get("BENCH_DBT_NODES"):  # by hand: where the node time goes
        for r in sorted(results["results"], key=lambda r: -r["execution_time"])[:15]:
            print(f"{r['execution_time']:7.3f} {r['unique_id']}", file=sys.stderr)
    return out


def dbt_build(
    *extra: str, product: bool = True, command: str | None = None
) -> tuple[float, dict[str, float]]:
    """One dbt build, timed. `product=False` is the same run with dbt's defaults instead of the
    product's choices (unit tests on every run, a debug-level file log): the before picture."""
    from dbt.cli.main import dbtRunner

    from ops_metrics.dbt.assets import BUILD_ARGS

    build = [command] if command else list(BUILD_ARGS) if product else ["build"]
    args = [*build, "--project-dir", DBT_DIR, "--profiles-dir", DBT_DIR, "--quiet", *extra]
    log_level = os.environ["DBT_LOG_LEVEL_FILE"]
    os.environ["DBT_LOG_LEVEL_FILE"] = log_level if product else "debug"
    if WAREHOUSE is not None:
        WAREHOUSE.reset()
    try:
        with stopwatch() as elapsed:
            result = dbtRunner().invoke(args)
    finally:
        os.environ["DBT_LOG_LEVEL_FILE"] = log_level
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception}")
    return elapsed(), node_seconds()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents-per-workspace", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--days", type=int, default=365, help="history before the hourly runs (smoke: a few)"
    )
    parser.add_argument(
        "--history-years", type=int, default=1, help="copies of the year, each 52 weeks back"
    )
    parser.add_argument(
        "--hourly-only",
        action="store_true",
        help="incidents only; build once, then time the hourly run on one thread (repeats)",
    )
    args = parser.parse_args()
    if args.hourly_only:
        hourly_by_history(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench_dbt_") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        os.environ["OPS_METRICS_DUCKDB_PATH"] = str(db)
        os.environ["OPS_METRICS_HOME"] = tmp
        os.environ["DBT_TARGET_PATH"] = str(Path(tmp) / "target")  # keep the repo's target/ alone
        os.environ["DBT_LOG_PATH"] = str(Path(tmp) / "logs")
        from ops_metrics.dbt.assets import INCIDENT_MODELS
        from ops_metrics.dbt.project import dbt_subprocess_env

        os.environ.update(dbt_subprocess_env())
        global WAREHOUSE
        WAREHOUSE = WarehouseClock()
        year_start = YEAR_END - timedelta(days=args.days)
        ai_rows = load_ai_usage(year_start, YEAR_END)
        wh = DuckDBWarehouse(path=str(db))
        incident_rows = load_incidents(wh, args.incidents_per_workspace, year_start, YEAR_END)
        print(f"dbt bench: {incident_rows} incidents, {ai_rows} AI usage rows", file=sys.stderr)
        backdate_loads(wh)
        dbt_build("--select", NOTHING)  # parse once, so every measured run starts alike
        runs: dict[str, list[float]] = {
            "full": [],
            "hourly": [],
            "hourly_dbt_defaults": [],
            "marts_only": [],
            "full_same": [],
            "noop": [],
            # On one thread, so the warehouse clock is DuckDB's work alone: on four, a statement's
            # time also holds the wait for the GIL while other nodes run dbt's Python.
            "full_one_thread": [],
            "hourly_one_thread": [],
        }
        nodes: dict[str, list[dict[str, float]]] = {k: [] for k in runs}
        hour_rows = []
        for k in range(args.repeats):
            full_runs = [
                ("full", ["--full-refresh"]),
                ("full_one_thread", ["--full-refresh", "--threads", "1"]),
            ]
            if k == 0:  # for information: once is enough
                full_runs.append(("full_same", ["--full-refresh", "--select", INCIDENT_MODELS]))
            for name, extra in full_runs:
                seconds, counted = dbt_build(*extra)
                runs[name].append(seconds)
                nodes[name].append(counted)
            hourly_runs = (
                ("hourly", ["--select", INCIDENT_MODELS], {}),
                ("hourly_dbt_defaults", ["--select", INCIDENT_MODELS], {"product": False}),
                ("marts_only", ["--select", MARTS_ONLY], {"command": "run"}),
                ("hourly_one_thread", ["--select", INCIDENT_MODELS, "--threads", "1"], {}),
            )
            for n, (name, extra, how) in enumerate(hourly_runs, start=1):
                hour_end = YEAR_END + timedelta(hours=len(hourly_runs) * k + n)
                hour_rows.append(
                    load_incidents(
                        wh, args.incidents_per_workspace, hour_end - timedelta(hours=1), hour_end
                    )
                )
                seconds, counted = dbt_build(*extra, **how)
                runs[name].append(seconds)
                nodes[name].append(counted)
            seconds, counted = dbt_build("--select", NOTHING)
            runs["noop"].append(seconds)
            nodes["noop"].append(counted)
    emit(
        {
            "incidents_per_workspace": args.incidents_per_workspace,
            "year_rows": incident_rows,
            "ai_rows": ai_rows,
            "hour_rows": hour_rows,
            "full_refresh_seconds": runs["full"],
            "days": args.days,
            "incident_full_refresh_seconds": runs["full_same"],
            "incremental_seconds": runs["hourly"],
            "incremental_dbt_defaults_seconds": runs["hourly_dbt_defaults"],
            "noop_seconds": runs["noop"],
            "marts_only_seconds": runs["marts_only"],
            # per run: execution_time summed by resource type, from run_results.json
            "full_refresh_nodes": nodes["full"],
            "incident_full_refresh_nodes": nodes["full_same"],
            "incremental_nodes": nodes["hourly"],
            "incremental_dbt_defaults_nodes": nodes["hourly_dbt_defaults"],
            "marts_only_nodes": nodes["marts_only"],
            "noop_nodes": nodes["noop"],
            "full_one_thread_seconds": runs["full_one_thread"],
            "full_one_thread_nodes": nodes["full_one_thread"],
            "hourly_one_thread_seconds": runs["hourly_one_thread"],
            "hourly_one_thread_nodes": nodes["hourly_one_thread"],
        }
    )


def hourly_by_history(args: argparse.Namespace) -> None:
    """The hourly incident run's warehouse SQL at `--history-years` of history (one thread, so
    the clock is DuckDB's work alone)."""
    from ops_metrics.dbt.assets import INCIDENT_MODELS
    from ops_metrics.dbt.project import dbt_subprocess_env

    with tempfile.TemporaryDirectory(prefix="bench_dbt_history_") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        os.environ["OPS_METRICS_DUCKDB_PATH"] = str(db)
        os.environ["OPS_METRICS_HOME"] = tmp
        os.environ["DBT_TARGET_PATH"] = str(Path(tmp) / "target")
        os.environ["DBT_LOG_PATH"] = str(Path(tmp) / "logs")
        os.environ.update(dbt_subprocess_env())
        global WAREHOUSE
        WAREHOUSE = WarehouseClock()
        wh = DuckDBWarehouse(path=str(db))
        year_start = YEAR_END - timedelta(days=args.days)
        load_incidents(wh, args.incidents_per_workspace, year_start, YEAR_END)
        rows = replicate_history(wh, args.history_years)
        print(f"dbt bench: {args.history_years} years, {rows} incidents", file=sys.stderr)
        # The AI tables exist (empty) so the sources resolve; the hourly run does not read them.
        from ops_metrics.ai_tools.usage import table_spec as usage_spec
        from ops_metrics.registry import TOOLS

        for tool in TOOLS:
            wh.merge(usage_spec(tool), [], run_id="bench-setup")
        backdate_loads(wh)
        full_seconds, full_nodes = dbt_build("--full-refresh", "--select", INCIDENT_MODELS)
        seconds, nodes, hour_rows = [], [], []
        for k in range(args.repeats + 1):  # the first hourly run warms up, not measured
            hour_end = YEAR_END + timedelta(hours=k + 1)
            hour_rows.append(
                load_incidents(
                    wh, args.incidents_per_workspace, hour_end - timedelta(hours=1), hour_end
                )
            )
            took, counted = dbt_build("--select", INCIDENT_MODELS, "--threads", "1")
            if k:
                seconds.append(took)
                nodes.append(counted)
    emit(
        {
            "history_years": args.history_years,
            "incidents": rows,
            "hour_rows": hour_rows[1:],
            "full_seconds": full_seconds,
            "full_nodes": full_nodes,
            "hourly_seconds": seconds,
            "hourly_nodes": nodes,
        }
    )


if __name__ == "__main__":
    main()
