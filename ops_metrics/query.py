"""`ops-metrics sql "select …"`: one statement against the DuckDB warehouse, read-only, printed
as a table. Nothing to install besides the project (pip installs no `duckdb` command line)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from ops_metrics import settings

DEFAULT_MAX_ROWS = 50
MAX_CELL_WIDTH = 60


class QueryError(RuntimeError):
    """The statement could not run; the message says why in one line."""


def _cell(value: Any) -> str:
    text = "NULL" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL_WIDTH else text[: MAX_CELL_WIDTH - 1] + "…"


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Aligned columns under a header, like the duckdb shell's box without the box."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for row in cells:
        lines.append(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return lines


def _explain(exc: duckdb.Error, path: Path) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "read-only mode" in first:
        return (
            "refused: the connection is read-only and the statement would write the warehouse "
            f"({first.split('Cannot execute statement of type ')[-1].split(' ')[0]}); only the "
            "pipeline writes it"
        )
    if "lock" in first.lower():
        return (
            f"the warehouse {path} is locked by another process (a demo, a run or `dagster dev` "
            "writing it; DuckDB allows one writer and no readers beside it): try again when it "
            "has finished"
        )
    return f"{type(exc).__name__}: {first}"


def run_query(
    statement: str,
    max_rows: int = DEFAULT_MAX_ROWS,
    path: Path | None = None,
) -> list[str]:
    """Run `statement` read-only on the warehouse file and return the lines to print."""
    if settings.target() != "duckdb":
        raise QueryError(
            "ops-metrics sql reads the DuckDB warehouse; with OPS_METRICS_TARGET=snowflake the "
            "data is in Snowflake: query it there"
        )
    path = path or settings.duckdb_path()
    if not path.exists():
        raise QueryError(
            f"no warehouse at {path}: run `ops-metrics demo` first (or set OPS_METRICS_HOME / "
            "OPS_METRICS_DUCKDB_PATH to where it is)"
        )
    try:
        with duckdb.connect(str(path), read_only=True) as conn:
            cursor = conn.execute(statement)
            if cursor.description is None:
                return ["(no result)"]
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchmany(max_rows + 1)
    except duckdb.Error as exc:
        raise QueryError(_explain(exc, path)) from exc
    shown = rows[:max_rows]
    lines = format_table(columns, shown)
    if len(rows) > max_rows:
        lines.append(f"(more than {max_rows} rows: the first {max_rows} shown; see --max-rows)")
    else:
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return lines


def main(statement: str, max_rows: int = DEFAULT_MAX_ROWS) -> int:
    try:
        lines = run_query(statement, max_rows)
    except QueryError as exc:
        print(f"ops-metrics sql: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0
