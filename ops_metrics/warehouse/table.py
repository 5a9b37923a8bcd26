"""Table specs: what a raw table looks like, independent of the warehouse that holds it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from ops_metrics.registry import check_identifier

ColumnType = Literal["varchar", "timestamp", "date", "double", "bigint", "boolean", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType

    def __post_init__(self) -> None:
        check_identifier("column", self.name.lstrip("_"))


@dataclass(frozen=True)
class TableSpec:
    """A merge target: rows are keyed by `primary_key`; `version_column` orders versions of a row
    so a stale version never overwrites a newer one."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    version_column: str

    def __post_init__(self) -> None:
        check_identifier("schema", self.schema)
        # Derived names (`<source>__<table>__rejects`) outgrow the registry's 40; 63 is the
        # shortest limit among the warehouses we target (Postgres-style engines).
        check_identifier("table", self.name, max_length=63)
        names = {c.name for c in self.columns}
        missing = [c for c in (*self.primary_key, self.version_column) if c not in names]
        if missing:
            raise ValueError(f"table {self.name}: key or version columns {missing} are not columns")

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return (*self.columns, Column("_loaded_at", "timestamp"), Column("_run_id", "varchar"))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class MergeResult:
    staged: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    duplicates_in_batch: int = 0

    def __add__(self, other: MergeResult) -> MergeResult:
        """Two merges of one load (warehouse/chunks.py) counted together."""
        return MergeResult(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )

    def as_metadata(self) -> dict[str, int]:
        return {
            "rows_staged": self.staged,
            "rows_inserted": self.inserted,
            "rows_updated": self.updated,
            "rows_unchanged": self.unchanged,
            "rows_stale_skipped": self.stale,
            "duplicates_in_batch": self.duplicates_in_batch,
        }


REJECTS_COLUMNS = (
    Column("record_id", "varchar"),
    Column("field", "varchar"),
    Column("reason", "varchar"),
    Column("payload", "json"),
    Column("rejected_at", "timestamp"),
)


def rejects_spec(spec: TableSpec) -> TableSpec:
    """The per-source rejects table beside a raw table: one row per rejected record and field."""
    return TableSpec(
        schema=spec.schema,
        name=f"{spec.name}__rejects",
        columns=REJECTS_COLUMNS,
        primary_key=("record_id", "field"),
        version_column="rejected_at",
    )


# The load log: one row per successful load of a partition window, written by the stage-and-merge
# IO manager after the merge. Dashboards (through dbt's coverage models) read which periods each
# source has actually loaded from it, instead of guessing from the rows present: an incident
# table holds old incidents that were merely updated recently, so its rows never say which
# creation days are complete.
LOAD_LOG = TableSpec(
    schema="raw",
    name="ingestion_loads",
    columns=(
        Column("source", "varchar"),
        Column("family", "varchar"),
        Column("window_start", "timestamp"),
        Column("window_end", "timestamp"),
        Column("rows_staged", "bigint"),
        Column("loaded_at", "timestamp"),
    ),
    primary_key=("source", "window_start", "window_end"),
    version_column="loaded_at",
)
