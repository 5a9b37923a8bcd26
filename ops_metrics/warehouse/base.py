"""The warehouse interface the IO manager writes through, and the one stage-and-merge skeleton.

`StageAndMergeWarehouse.merge` is the whole load, the same for every backend: ensure the table,
stage the batches into a session-temporary table, deduplicate the stage (merge_sql.dedup_stage),
then classify and write in one transaction (merge_sql's contract). A backend (DuckDB, Snowflake)
supplies only small hooks: how to open a session, create the stage and push rows into it, the
dialect's type names and clock, and the statements that apply the classified delta.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

import dagster as dg
import pyarrow as pa

from ops_metrics.warehouse import merge_sql
from ops_metrics.warehouse.table import MergeResult, TableSpec

Progress = Callable[[str], None]
# A batch of rows: dicts, or the same as Arrow columns (`arrow_columns`, the IO manager's spool).
Rows = list[dict[str, Any]] | pa.Table
# A load: a lazy stream of row batches (the IO manager's spool).
Batches = Iterable[Rows]

# Column type -> Arrow type of a staged batch, for every backend (json travels as text).
ARROW = {
    "varchar": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "double": pa.float64(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
    "json": pa.string(),
}


class WarehouseResource(dg.ConfigurableResource):
    """What the IO manager needs from a warehouse; DuckDB and Snowflake implement it."""

    def merge(
        self,
        spec: TableSpec,
        batches: Batches,
        run_id: str,
        progress: Progress | None = None,
    ) -> MergeResult:
        raise NotImplementedError

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError


class Cursor(Protocol):
    """The little a skeleton needs of a session: a DuckDB connection or a Snowflake cursor."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...


class StageAndMergeWarehouse(WarehouseResource):
    """The stage-and-merge skeleton; subclasses fill in the hooks below."""

    # The dialect's column types (table.Column.type -> SQL type) and the warehouse clock as
    # a UTC timestamp without zone: `_loaded_at` of the rows the merge inserts or changes.
    TYPES: ClassVar[dict[str, str]]
    NOW: ClassVar[str]
    # How the backend compares json columns, and turns staged json into the target's type.
    JSON_CMP: ClassVar[str] = "{0}"
    JSON_PARSE: ClassVar[str] = "{0}"
    BEGIN: ClassVar[str] = "begin transaction"

    # --- hooks -------------------------------------------------------------------------------

    def _session(self) -> AbstractContextManager[Cursor]:
        """One session for the whole load: its temporary tables die with it."""
        raise NotImplementedError

    def _create_stage(self, cur: Cursor, spec: TableSpec, stage: str) -> None:
        raise NotImplementedError

    def _stage_rows(self, cur: Cursor, spec: TableSpec, stage: str, batch: pa.Table) -> None:
        """Append a batch (`arrow_batch`: every column of `spec.all_columns`, then
        merge_sql.STAGED_SEQ) to the stage."""
        raise NotImplementedError

    def _stored_name(self, name: str) -> str:
        """An unquoted identifier as information_schema stores it."""
        return name

    def _match(self, cur: Cursor, spec: TableSpec, deduped: str) -> str | None:
        """Inside the transaction, before counting: optionally build a relation holding every
        target row whose key is staged and return its name (merge_sql.classify's `target`)."""
        return None

    def _write_statements(
        self, spec: TableSpec, deduped: str, matched: str | None, result: MergeResult
    ) -> list[str]:
        """The DML that applies the counted delta (merge_sql.merge's effect)."""
        raise NotImplementedError

    # --- the skeleton --------------------------------------------------------------------------

    def merge(
        self, spec: TableSpec, batches: Batches, run_id: str, progress: Progress | None = None
    ) -> MergeResult:
        result = MergeResult()
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        stage, deduped = f"stage__{spec.name}", f"stage_dedup__{spec.name}"
        with self._session() as cur:
            self._ensure_table(cur, spec)
            # A temporary stage dies with the session: a crash can never leave it behind or let
            # it leak into the next load.
            self._create_stage(cur, spec, stage)
            milestones = progress_milestones()
            next_report = next(milestones)
            for rows in batches:
                if not len(rows):
                    continue
                batch = arrow_batch(rows, spec, loaded_at, run_id, first_seq=result.staged)
                self._stage_rows(cur, spec, stage, batch)
                result.staged += len(rows)
                if progress and result.staged >= next_report:
                    progress(f"{spec.qualified}: staged {result.staged:,} rows")
                    while next_report <= result.staged:
                        next_report = next(milestones)
            if progress and result.staged:
                progress(f"{spec.qualified}: staged {result.staged:,} rows; merging")
            # Staged: the newest version of each key (merge_sql.dedup_stage), then the merge.
            deduped = self._deduplicate(cur, spec, stage, deduped, result)
            # Only DML inside: any DDL would commit the transaction implicitly on Snowflake.
            cur.execute(self.BEGIN)
            temps = [stage, deduped]
            try:
                matched = self._match(cur, spec, deduped)
                if matched:
                    temps.append(matched)
                counts = cur.execute(
                    merge_sql.classify(spec, deduped, json_cmp=self.JSON_CMP, target=matched)
                ).fetchone()
                # An empty stage counts NULL on fakesnow (COUNT_IF over no rows): none of each.
                result.inserted, result.updated, result.unchanged, result.stale = (
                    int(n or 0) for n in counts
                )
                for statement in self._write_statements(spec, deduped, matched, result):
                    cur.execute(statement)
                cur.execute("commit")
            except BaseException:
                # A COMMIT that failed has already ended the transaction on DuckDB (it fails
                # "cannot rollback - no transaction is active"): that error must not replace the
                # one that says what went wrong (DuckDBWarehouse.merge retries a commit that ran
                # out of memory at a larger cap). Closing the session discards whatever is left.
                with contextlib.suppress(Exception):
                    cur.execute("rollback")
                raise
            for name in temps:
                cur.execute(f"drop table if exists {name}")
        return result

    def _deduplicate(
        self, cur: Cursor, spec: TableSpec, stage: str, deduped: str, result: MergeResult
    ) -> str:
        """The stage reduced to the newest version of each key (merge_sql.dedup_stage): the name
        of the relation the merge reads, with `result.duplicates_in_batch` counted."""
        if self.JSON_PARSE == "{0}":
            # The stage already holds the target's types, so a stage without a repeated key is
            # its own deduplication; copying it anyway (the whole load, payloads included) cost
            # ~13 us a row on DuckDB. DISTINCT groups keys as the dedup's PARTITION BY does
            # (NULLs together), so the count is the same either way.
            keys = ", ".join(spec.primary_key)
            (distinct,) = cur.execute(
                f"select count(*) from (select distinct {keys} from {stage})"
            ).fetchone()
            if int(distinct) == result.staged:
                return stage
        cur.execute(merge_sql.dedup_stage(spec, stage, deduped, json_parse=self.JSON_PARSE))
        (distinct,) = cur.execute(f"select count(*) from {deduped}").fetchone()
        result.duplicates_in_batch = result.staged - int(distinct)
        return deduped

    def _ensure_table(self, cur: Cursor, spec: TableSpec) -> None:
        cur.execute(f"create schema if not exists {spec.schema}")
        cols = ", ".join(f"{c.name} {self.TYPES[c.type]}" for c in spec.all_columns)
        keys = ", ".join(spec.primary_key)
        cur.execute(f"create table if not exists {spec.qualified} ({cols}, primary key ({keys}))")
        # Names come from checked identifiers, so they are safe to inline (and inlining keeps
        # this independent of the backend's paramstyle).
        existing = {
            row[0].lower()
            for row in cur.execute(
                "select column_name from information_schema.columns "
                f"where table_schema = '{self._stored_name(spec.schema)}' "
                f"and table_name = '{self._stored_name(spec.name)}'"
            ).fetchall()
        }
        # Code that learns a new column evolves the table instead of failing the load.
        for c in spec.all_columns:
            if c.name.lower() not in existing:
                cur.execute(
                    f"alter table {spec.qualified} add column {c.name} {self.TYPES[c.type]}"
                )


def progress_milestones(first: int = 10_000) -> Iterator[int]:
    """Staged-row counts worth a progress line: 10,000, 20,000, 50,000, 100,000, ... A line per
    batch was 50 run-log events (each a commit to Dagster's event storage) per 100k incidents."""
    scale = first
    while True:
        for step in (1, 2, 5):
            yield step * scale
        scale *= 10


def arrow_batch(
    rows: Rows, spec: TableSpec, loaded_at: datetime, run_id: str, first_seq: int | None = None
) -> pa.Table:
    """A batch as the stage's Arrow table: `spec.all_columns`, load columns appended, then, given
    `first_seq` (the rows staged before this batch), each row's merge_sql.STAGED_SEQ. Built a
    column at a time (one list and one conversion per column, not a dict per row;
    docs/benchmarks.md "Issue 19, round 3"); ops_metrics_tests/warehouse/test_arrow_batch.py holds
    it equal to the row-at-a-time path it replaced."""
    table = rows if isinstance(rows, pa.Table) else arrow_columns(rows, spec)
    n = table.num_rows
    arrays = [table.column(c.name) for c in spec.columns]
    arrays.append(pa.repeat(pa.scalar(loaded_at, type=ARROW["timestamp"]), n))
    arrays.append(pa.repeat(pa.scalar(run_id, type=ARROW["varchar"]), n))
    # `schema=` refuses a table whose column types are not the spec's.
    batch = pa.Table.from_arrays(arrays, schema=arrow_schema(spec))
    if first_seq is None:
        return batch
    sequence = pa.array(range(first_seq, first_seq + n), type=pa.int64())
    return batch.append_column(merge_sql.STAGED_SEQ, sequence)


def arrow_columns(rows: list[dict[str, Any]], spec: TableSpec) -> pa.Table:
    """Rows as Arrow columns of `spec.columns` (a missing key is NULL, unknown keys are dropped).

    Timestamps need no per-value step: converting an aware datetime to a zone-less Arrow
    timestamp, Arrow takes its UTC instant (its `utcoffset()`), and keeps a naive one as it is,
    which is what the row-at-a-time path did (pinned by ops_metrics_tests/warehouse/test_arrow_batch.py)."""
    arrays = [pa.array([row.get(c.name) for row in rows], type=ARROW[c.type]) for c in spec.columns]
    return pa.Table.from_arrays(arrays, names=[c.name for c in spec.columns])


def arrow_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([(c.name, ARROW[c.type]) for c in spec.all_columns])
