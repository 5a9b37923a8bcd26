"""Property: whatever order raw data arrives in, the incremental dbt build the automation runs
leaves every mart identical, row for row, to a full refresh of the same raw data.

Seeded sequences of loads (load_sequences.py: recent partitions, old backfills in any order,
late edits with older updated_at, incidents turning declined / merged / canceled / test, AI
usage re-extracted and re-identified) go through the product's stage-and-merge into raw; after
each, the incremental build runs on the warehouse, and a full refresh runs on a copy of its raw
tables; every mart must match.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics_tests.dbt import load_sequences
from ops_metrics_tests.dbt.incremental_property import dbt_build, differences, snapshot

pytestmark = pytest.mark.slow

# One sequence of six steps, two dbt builds each: about a minute and a half on this machine's 2
# shared cores. Any seed holds every kind of step; another seed is another order.
SEEDS = (15,)


def _query(path: Path) -> Any:
    def query(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with duckdb.connect(str(path)) as con:
            cur = con.execute(sql)
            return [d[0] for d in cur.description], cur.fetchall()

    return query


def _marts(path: Path) -> list[str]:
    with duckdb.connect(str(path)) as con:
        rows = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    return [f"marts.{r[0]}" for r in rows]


def _copy_raw(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    with duckdb.connect(str(source)) as con:
        con.execute(f"attach '{target}' as copy")
        con.execute("create schema copy.raw")
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'raw'"
        ).fetchall()
        for (table,) in tables:
            con.execute(f"create table copy.raw.{table} as select * from raw.{table}")
        con.execute("detach copy")


@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_build_equals_full_refresh_after_every_load(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incremental_db, full_db = tmp_path / "warehouse.duckdb", tmp_path / "full_refresh.duckdb"
    monkeypatch.setenv("OPS_METRICS_TARGET", "duckdb")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    warehouse = DuckDBWarehouse(path=str(incremental_db))
    load_sequences.create_raw_tables(warehouse)

    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    kinds, universe = load_sequences.sequence(seed, now)
    done: list[str] = []
    for n, kind in enumerate(kinds):
        step = load_sequences.next_step(universe, kind)
        load_sequences.load(warehouse, step, run_id=f"seed{seed}-step{n}")
        done.append(step.describe())

        monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(incremental_db))
        dbt_build()
        incremental = snapshot(_query(incremental_db), _marts(incremental_db))

        _copy_raw(incremental_db, full_db)
        monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(full_db))
        dbt_build("--full-refresh")
        full = snapshot(_query(full_db), _marts(full_db))

        assert incremental.keys() == full.keys()
        assert differences(incremental, full) == {}, f"seed {seed}, after: {' -> '.join(done)}"
