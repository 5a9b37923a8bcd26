"""Merge worker: a delta (half updates, half inserts) merged with DuckDBWarehouse.merge into a
raw incidents table that already holds `--rows` rows. Only the merge is timed."""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.common import emit, stopwatch
from ops_metrics.incident_io.rows import table_spec
from ops_metrics.registry import workspace
from ops_metrics.warehouse.duckdb import DuckDBWarehouse

BASE = datetime(2025, 1, 1)
SPEC = table_spec(workspace("companya"))


def fill_target(db: Path, rows: int) -> None:
    """The target, written by SQL (building 1M rows through Python would dwarf the merge)."""
    DuckDBWarehouse(path=str(db)).merge(SPEC, [], run_id="setup")  # creates the table
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"""
            insert into {SPEC.qualified} (id, reference, name, created_at, updated_at, status,
                status_category, mode, severity, severity_rank, affected_services, payload,
                ttd_sec, _loaded_at, _run_id)
            select 'inc' || lpad(i::varchar, 8, '0'), 'INC-' || i, 'incident ' || i,
                timestamp '2025-01-01' + to_seconds(i), timestamp '2025-01-01' + to_seconds(i),
                'Closed', 'closed', 'standard', 'Minor', 1, '[]',
                json_object('id', i, 'summary', repeat('x', 400)), 60.0,
                timestamp '2025-06-01', 'setup'
            from range({rows}) t(i)
            """
        )


def delta(rows: int, size: int, round_: int) -> list[dict[str, Any]]:
    """`size` rows: half newer versions of the newest existing ids (as in an hourly load, where
    the incidents edited are mostly recent ones), half new ids."""
    updates = size // 2
    out = []
    for k in range(updates):
        i = max(0, rows - 1 - k - round_ * size)
        out.append(_row(f"inc{i:08d}", i, BASE + timedelta(days=400 + round_), f"renamed {round_}"))
    for k in range(size - updates):
        i = rows + round_ * size + k
        out.append(_row(f"inc{i:08d}", i, BASE + timedelta(days=400 + round_), f"incident {i}"))
    return out


def _row(id_: str, i: int, updated: datetime, name: str) -> dict[str, Any]:
    return {
        "id": id_,
        "reference": f"INC-{i}",
        "name": name,
        "created_at": BASE + timedelta(seconds=i),
        "updated_at": updated,
        "status": "Closed",
        "status_category": "closed",
        "mode": "standard",
        "severity": "Minor",
        "severity_rank": 1,
        "affected_services": "[]",
        "ttd_sec": 60.0,
        "payload": json.dumps({"id": i, "summary": "x" * 400}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--delta-fraction", type=float, default=0.01)
    parser.add_argument("--fixed-delta", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_merge_") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        fill_target(db, args.rows)
        wh = DuckDBWarehouse(path=str(db))
        size = max(2, int(args.rows * args.delta_fraction))
        rows = delta(args.rows, size, 0)
        with stopwatch() as elapsed:
            result = wh.merge(SPEC, [rows], run_id="delta")
        proportional = elapsed()
        assert result.inserted == size - size // 2 and result.updated == size // 2, result
        # A delta of the same size whatever the table: its time should not grow with the table.
        fixed = delta(args.rows, args.fixed_delta, 1)
        with stopwatch() as elapsed:
            wh.merge(SPEC, [fixed], run_id="fixed")
        fixed_seconds = elapsed()
    emit(
        {
            "rows": args.rows,
            "delta_rows": size,
            "seconds": proportional,
            "us_per_delta_row": proportional / size * 1e6,
            "fixed_delta_rows": args.fixed_delta,
            "fixed_delta_seconds": fixed_seconds,
        }
    )


if __name__ == "__main__":
    main()
