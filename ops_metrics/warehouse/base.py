"""The warehouse interface the IO manager writes through; DuckDB and Snowflake implement it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from ops_metrics.warehouse.table import Column, MergeResult, TableSpec

Progress = Callable[[str], None]


class WarehouseResource(dg.ConfigurableResource):
    """What the IO manager needs from a warehouse; DuckDB and Snowflake implement it."""

    def merge(
        self,
        spec: TableSpec,
        batches: Iterable[list[dict[str, Any]]],
        run_id: str,
        progress: Progress | None = None,
    ) -> MergeResult:
        raise NotImplementedError

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError


def normalise(
    row: dict[str, Any], spec: TableSpec, loaded_at: datetime, run_id: str
) -> dict[str, Any]:
    out = {c.name: _value(row.get(c.name), c) for c in spec.columns}
    out["_loaded_at"] = loaded_at
    out["_run_id"] = run_id
    return out


def _value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.type == "timestamp" and isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
