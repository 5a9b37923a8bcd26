"""dbt worker: a year of simulated incidents in the raw tables, then `dbt build --full-refresh`
against the hourly `dbt build` after one more hour is merged, on the incident models (tag:ops,
the selection the hourly incident job runs).

Raw tables are filled by a direct merge of simulator data through the product's own rows path
(Incident model -> incident_row -> DuckDBWarehouse.merge), without HTTP: ingestion has its own
benchmark, and this one is about dbt.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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


def load(wh: DuckDBWarehouse, per_workspace: int, start: datetime, end: datetime) -> int:
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


def node_seconds() -> dict[str, float]:
    """What the last dbt invocation spent executing nodes, from its run_results.json, summed by
    resource type (models, data tests, unit tests, seeds). Nodes run on `threads` at once, so the
    sums can exceed the wall clock; what the wall clock has beyond them is dbt's own start, parse
    and scheduling, which no model change can shrink."""
    results = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    out = {"model": 0.0, "test": 0.0, "unit_test": 0.0, "seed": 0.0, "other": 0.0}
    for r in results["results"]:
        kind = r["unique_id"].split(".", 1)[0]
        out[kind if kind in out else "other"] += float(r["execution_time"])
    if os.environ.get("BENCH_DBT_NODES"):  # by hand: where the node time goes
        for r in sorted(results["results"], key=lambda r: -r["execution_time"])[:15]:
            print(f"{r['execution_time']:7.3f} {r['unique_id']}", file=sys.stderr)
    return out


def dbt_build(*extra: str) -> tuple[float, dict[str, float]]:
    from dbt.cli.main import dbtRunner

    args = [
        "build",
        "--project-dir",
        DBT_DIR,
        "--profiles-dir",
        DBT_DIR,
        "--select",
        "tag:ops",
        "--quiet",
        *extra,
    ]
    with stopwatch() as elapsed:
        result = dbtRunner().invoke(args)
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception}")
    return elapsed(), node_seconds()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents-per-workspace", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_dbt_") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        os.environ["OPS_METRICS_DUCKDB_PATH"] = str(db)
        os.environ["DBT_TARGET_PATH"] = str(Path(tmp) / "target")  # keep the repo's target/ alone
        os.environ["DBT_LOG_PATH"] = str(Path(tmp) / "logs")
        wh = DuckDBWarehouse(path=str(db))
        year_rows = load(wh, args.incidents_per_workspace, YEAR_END - timedelta(days=365), YEAR_END)
        full, incremental, hour_rows = [], [], []
        full_nodes, incremental_nodes = [], []
        for k in range(args.repeats):
            seconds, nodes = dbt_build("--full-refresh")
            full.append(seconds)
            full_nodes.append(nodes)
            hour_end = YEAR_END + timedelta(hours=k + 1)
            hour_rows.append(
                load(wh, args.incidents_per_workspace, hour_end - timedelta(hours=1), hour_end)
            )
            seconds, nodes = dbt_build()
            incremental.append(seconds)
            incremental_nodes.append(nodes)
    emit(
        {
            "year_rows": year_rows,
            "hour_rows": hour_rows,
            "full_refresh_seconds": full,
            "incremental_seconds": incremental,
            # per run: execution_time summed by resource type, from run_results.json
            "full_refresh_nodes": full_nodes,
            "incremental_nodes": incremental_nodes,
        }
    )


if __name__ == "__main__":
    main()
