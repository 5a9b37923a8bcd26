"""The DuckDB backend of stage-and-merge: the embedded default."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ops_metrics.warehouse import merge_sql
from ops_metrics.warehouse.base import Progress, WarehouseResource, normalise
from ops_metrics.warehouse.table import MergeResult, TableSpec

_TYPES = {
    "varchar": "varchar",
    "timestamp": "timestamp",
    "date": "date",
    "double": "double",
    "bigint": "bigint",
    "boolean": "boolean",
    "json": "json",
}
_ARROW = {
    "varchar": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "double": pa.float64(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
    "json": pa.string(),
}
# Another process (dbt, a second run) holding the file: wait for it rather than fail the run.
LOCK_WAIT_SECONDS = 120.0


class DuckDBWarehouse(WarehouseResource):
    """A DuckDB file. One writer process at a time: a locked file is waited for, not failed."""

    path: str
    # DuckDB's memory cap while merging. The whole load is staged before the one-transaction
    # merge; uncapped, DuckDB keeps the stage in RAM and peak memory grows with the load (about
    # 3 GB for 100k incidents). Capped, it spills the stage to `<file>.tmp` and memory stays
    # flat in N for roughly a fifth more time (docs/benchmarks.md). None leaves DuckDB's default.
    merge_memory_limit: str | None = "512MB"

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                con = duckdb.connect(str(Path(self.path).expanduser()), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        try:
            yield con
        finally:
            con.close()

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connect() as con:
            return con.execute(sql, params or []).fetchall()

    def merge(
        self,
        spec: TableSpec,
        batches: Iterable[list[dict[str, Any]]],
        run_id: str,
        progress: Progress | None = None,
    ) -> MergeResult:
        result = MergeResult()
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        schema = pa.schema([(c.name, _ARROW[c.type]) for c in spec.all_columns])
        stage, deduped = f"stage__{spec.name}", f"stage_dedup__{spec.name}"
        with self.connect() as con:
            if self.merge_memory_limit:
                con.execute("set memory_limit = ?", [self.merge_memory_limit])
            self._ensure_table(con, spec)
            # A temporary stage dies with the connection: a crash can never leave it behind
            # or let it leak into the next load.
            con.execute(
                f"create or replace temporary table {stage} as select * from {spec.qualified} limit 0"
            )
            for rows in batches:
                if not rows:
                    continue
                table = pa.Table.from_pylist(
                    [normalise(row, spec, loaded_at, run_id) for row in rows], schema=schema
                )
                con.register("incoming_batch", table)
                con.execute(f"insert into {stage} by name select * from incoming_batch")
                con.unregister("incoming_batch")
                result.staged += len(rows)
                if progress:
                    progress(f"{spec.qualified}: staged {result.staged} rows")
            con.execute(merge_sql.dedup_stage(spec, stage, deduped))
            (distinct,) = con.execute(f"select count(*) from {deduped}").fetchone()
            result.duplicates_in_batch = result.staged - distinct
            con.execute("begin transaction")
            try:
                counts = con.execute(merge_sql.classify(spec, deduped)).fetchone()
                result.inserted, result.updated, result.unchanged, result.stale = counts
                if result.inserted or result.updated:
                    con.execute(merge_sql.merge(spec, deduped))
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            con.execute(f"drop table if exists {stage}")
            con.execute(f"drop table if exists {deduped}")
        return result

    def _ensure_table(self, con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
        con.execute(f"create schema if not exists {spec.schema}")
        cols = ", ".join(f"{c.name} {_TYPES[c.type]}" for c in spec.all_columns)
        keys = ", ".join(spec.primary_key)
        con.execute(f"create table if not exists {spec.qualified} ({cols}, primary key ({keys}))")
        existing = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [spec.schema, spec.name],
            ).fetchall()
        }
        # Code that learns a new column evolves the table instead of failing the load.
        for c in spec.all_columns:
            if c.name not in existing:
                con.execute(f"alter table {spec.qualified} add column {c.name} {_TYPES[c.type]}")
