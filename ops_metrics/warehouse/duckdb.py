"""The DuckDB backend of stage-and-merge: the embedded default."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from ops_metrics import settings
from ops_metrics.warehouse import allocator, memory_cap, merge_sql
from ops_metrics.warehouse.base import Batches, Progress, StageAndMergeWarehouse
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
# The merge transaction's start on DuckDB's clock, as UTC without a zone (the project's convention):
# `_loaded_at` of the rows it inserts or changes (merge_sql).
NOW = "cast(timezone('UTC', now()) as timestamp)"
# Another process (dbt, a second run) holding the file: wait for it rather than fail the run.
LOCK_WAIT_SECONDS = 120.0


# The cap of the merge attempt in progress (memory_cap.py): the resource itself is immutable.
_ATTEMPT_CAP: ContextVar[str | None] = ContextVar("duckdb_merge_cap", default=None)


def _ran_out_of_memory(exc: duckdb.Error) -> bool:
    # Out of memory surfaces as OutOfMemoryException, or, when an autocommitted insert cannot
    # pin a block at its commit, as a TransactionException saying so.
    text = str(exc).lower()
    return isinstance(exc, duckdb.OutOfMemoryException) or (
        isinstance(exc, duckdb.TransactionException) and "failed to pin block" in text
    )


class MergeMemoryError(MemoryError):
    """A merge outgrew DuckDB's memory cap even doubled (memory_cap.py); the message names the
    setting that raises it."""


class DuckDBWarehouse(StageAndMergeWarehouse):
    """A DuckDB file. One writer process at a time: a locked file is waited for, not failed."""

    path: str
    # DuckDB's memory cap while merging. The whole load is staged before the one-transaction
    # merge; uncapped, DuckDB keeps the stage in RAM and peak memory grows with the load (about
    # 3 GB for 100k incidents). Capped, it spills the stage to `<file>.tmp` and memory stays
    # flat in N (docs/benchmarks.md). DuckDB fills whatever cap it is given, and 64 MB merges
    # about as fast as 512 MB did (settings.DEFAULT_DUCKDB_MEMORY_LIMIT; the code location reads
    # OPS_METRICS_DUCKDB_MEMORY_LIMIT). None leaves DuckDB's default (80 % of RAM).
    merge_memory_limit: str | None = settings.DEFAULT_DUCKDB_MEMORY_LIMIT

    TYPES: ClassVar[dict[str, str]] = _TYPES
    NOW: ClassVar[str] = NOW

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
        self, spec: TableSpec, batches: Batches, run_id: str, progress: Progress | None = None
    ) -> MergeResult:
        # A merge that outgrows the cap rolled back; the spool can be read again, so it is
        # retried with the cap doubled (memory_cap.py). A one-shot iterator cannot be re-read.
        rereadable = iter(batches) is not batches
        caps = memory_cap.caps(self.merge_memory_limit) if self.merge_memory_limit else [None]
        for attempt, cap in enumerate(caps):
            token = _ATTEMPT_CAP.set(cap)
            try:
                return super().merge(spec, batches, run_id, progress)
            except duckdb.Error as exc:
                if not _ran_out_of_memory(exc):
                    raise
                if not rereadable or attempt == len(caps) - 1:
                    raise MergeMemoryError(
                        f"{self.path}: merging {spec.qualified} needed more memory than DuckDB's "
                        f"cap of {self.merge_memory_limit} ({settings.DUCKDB_MEMORY_LIMIT_ENV})"
                        f"{f' even at {cap}' if attempt else ''}; raise it: "
                        f"{str(exc).splitlines()[0]}"
                    ) from exc
                if progress:
                    progress(
                        f"{spec.qualified}: the merge outgrew DuckDB's memory cap of {cap} (rows "
                        f"wider than usual) and rolled back; retrying at {caps[attempt + 1]}. "
                        f"Set {settings.DUCKDB_MEMORY_LIMIT_ENV} to start there."
                    )
            finally:
                _ATTEMPT_CAP.reset(token)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # The fetch is over (the IO manager spooled it): what it freed leaves the process before
        # the merge's peak builds on it, and staging's Arrow batches free to the OS (allocator.py).
        allocator.use_system_arrow_pool()
        allocator.release_free_memory()
        cap = _ATTEMPT_CAP.get() or self.merge_memory_limit
        with self.connect() as con:
            if cap:
                con.execute("set memory_limit = ?", [cap])
                con.execute("set threads = ?", [memory_cap.threads(cap)])
            # DuckDB spills what it can; running out means a batch's working set did not fit
            # (rows far wider than incidents). The transaction has rolled back; merge() retries.
            yield con

    def _create_stage(self, cur: duckdb.DuckDBPyConnection, spec: TableSpec, stage: str) -> None:
        cur.execute(
            f"create or replace temporary table {stage} as "
            f"select *, null::bigint as {merge_sql.STAGED_SEQ} from {spec.qualified} limit 0"
        )

    def _stage_rows(
        self, cur: duckdb.DuckDBPyConnection, spec: TableSpec, stage: str, batch: pa.Table
    ) -> None:
        cur.register("incoming_batch", batch)
        cur.execute(f"insert into {stage} by name select * from incoming_batch")
        cur.unregister("incoming_batch")

    def _match(self, cur: duckdb.DuckDBPyConnection, spec: TableSpec, deduped: str) -> str:
        # Inside the transaction: the rowids taken here stay valid until commit.
        matched = f"stage_matched__{spec.name}"
        cur.execute(_matched_sql(spec, deduped, matched))
        return matched

    def _write_statements(
        self, spec: TableSpec, deduped: str, matched: str | None, result: MergeResult
    ) -> list[str]:
        assert matched is not None  # _match always builds it
        statements = []
        if result.updated:
            statements.append(_update_sql(spec, deduped, matched))
        if result.inserted:
            statements.append(_insert_sql(spec, deduped, matched))
        return statements


# The merge's cost should follow the delta, not the table. DuckDB joins by hash, never through
# the primary-key index, so `MERGE ... USING stage` and a stage ⟕ target join read every target
# row's compared columns (the 400-byte payloads included): on 1M rows that was ~0.35 s of a
# 1k-row merge. Instead: find the staged keys' rows by scanning the key column only, fetch just
# those rows by rowid (DuckDB pushes a `rowid in (...)` semi-join into the scan), then classify,
# update by rowid and insert the unmatched keys against that small table. Same effect as
# merge_sql.merge (which Snowflake still runs): update when the staged version is newer or equal
# and something changed, insert new keys, leave stale and unchanged rows untouched.
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
            select s.*, t._target_rowid from {staged} s join {matched} t on {merge_sql.on_keys(spec)}
            where s.{v} >= t.{v} and ({merge_sql.changed(spec)})
        ) u
        where {spec.qualified}.rowid = u._target_rowid
    """


def _insert_sql(spec: TableSpec, staged: str, matched: str) -> str:
    names = [c.name for c in spec.all_columns]
    values = ", ".join(merge_sql.staged_value(n, NOW) for n in names)
    return (
        f"insert into {spec.qualified} ({', '.join(names)}) select {values} from {staged} s "
        f"anti join {matched} t on {merge_sql.on_keys(spec)}"
    )
