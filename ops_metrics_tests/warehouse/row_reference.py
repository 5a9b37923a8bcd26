"""The row-at-a-time staging path that `base.arrow_batch` replaced, kept as the reference it must
equal (test_arrow_batch.py): a dict per row, each timestamp converted to its UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from ops_metrics.warehouse.base import arrow_schema
from ops_metrics.warehouse.table import Column, TableSpec


def normalise(
    row: dict[str, Any], spec: TableSpec, loaded_at: datetime, run_id: str
) -> dict[str, Any]:
    """One row as the stage holds it."""
    out = {c.name: _value(row.get(c.name), c) for c in spec.columns}
    out["_loaded_at"] = loaded_at
    out["_run_id"] = run_id
    return out


def arrow_table(records: list[dict[str, Any]], spec: TableSpec) -> pa.Table:
    """Normalised records as an Arrow table with the spec's column types."""
    return pa.Table.from_pylist(records, schema=arrow_schema(spec))


def _value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.type == "timestamp" and isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
