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
    # Raw API payloads (~5 KB of JSON per incident) with zstd, not DuckDB's default string
    # compression: its per-segment analysis made the checkpoint after a load ~15x slower (about
    # 1 s per 10k incidents, docs/benchmarks.md) for a file 8x larger. Tables created before this
    # keep their compression until recreated.
    "json": "json using compression zstd",
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
# The merge transaction's start on DuckDB's clock, as UTC without a zone (the project's convention):
# `_loaded_at` of the rows it inserts or changes (merge_sql).
NOW = "cast(timezone('UTC', now()) as timestamp)"
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
        matched = f"stage_matched__{spec.name}"
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
                # Inside the transaction: the rowids taken here stay valid until commit.
                con.execute(_matched_sql(spec, deduped, matched))
                counts = con.execute(merge_sql.classify(spec, deduped, target=matched)).fetchone()
                result.inserted, result.updated, result.unchanged, result.stale = counts
                if result.updated:
                    con.execute(_update_sql(spec, deduped, matched))
                if result.inserted:
                    con.execute(_insert_sql(spec, deduped, matched))
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            for name in (stage, deduped, matched):
                con.execute(f"drop table if exists {name}")
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


# The merge's cost should follow the delta, not the table. DuckDB joins by hash, never through
# the primary-key index, so `MERGE ... USING stage` and a stage ⟕ target join read every target
# row's compared columns (the 400-byte payloads included): on 1M rows that was ~0.35 s of a
# 1k-row merge. Instead: find the staged keys' rows by scanning the key column only, fetch just
# those rows by rowid (DuckDB pushes a `rowid in (...)` semi-join into the scan), then classify,
# update by rowid and insert the unmatched keys against that small table. Same effect as
# merge_sql.merge (which Snowflake still runs): update when the staged version is newer or equal
# and something changed, insert new keys, leave stale and unchanged rows untouched.
def _on_keys(spec: TableSpec) -> str:
    return " and ".join(f"t.{k} = s.{k}" for k in spec.primary_key)


def _matched_sql(spec: TableSpec, staged: str, matched: str) -> str:
    keys = ", ".join(spec.primary_key)
    return (
        f"create or replace temporary table {matched} as "
        f"select rowid as _target_rowid, * from {spec.qualified} where rowid in ("
        f"select rowid from {spec.qualified} where ({keys}) in (select ({keys}) from {staged}))"
    )


def _update_sql(spec: TableSpec, staged: str, matched: str) -> str:
    v = spec.version_column
    updatable = [c.name for c in spec.all_columns if c.name not in spec.primary_key]
    return f"""
        update {spec.qualified}
        set {", ".join(f"{n} = {merge_sql.staged_value(n, NOW, alias='u')}" for n in updatable)}
        from (
            select s.*, t._target_rowid from {staged} s join {matched} t on {_on_keys(spec)}
            where s.{v} >= t.{v} and ({merge_sql.changed(spec)})
        ) u
        where {spec.qualified}.rowid = u._target_rowid
    """


def _insert_sql(spec: TableSpec, staged: str, matched: str) -> str:
    names = [c.name for c in spec.all_columns]
    values = ", ".join(merge_sql.staged_value(n, NOW) for n in names)
    return (
        f"insert into {spec.qualified} ({', '.join(names)}) select {values} from {staged} s "
        f"anti join {matched} t on {_on_keys(spec)}"
    )
