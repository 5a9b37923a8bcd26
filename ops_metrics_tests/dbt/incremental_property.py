"""Driving dbt for the property "incremental build == full refresh", on any warehouse target.

dbt runs in this process (dbtRunner: dbt's import is paid once, not per build) with the product's
arguments and environment: `BUILD_ARGS` (build, no unit tests) and `dbt_subprocess_env()`, the
whole project as the hourly and daily jobs together build it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from ops_metrics import settings
from ops_metrics.dbt.assets import BUILD_ARGS
from ops_metrics.dbt.project import dbt_subprocess_env

# The load-time watermark's safety margin is for clock skew and loads still committing while dbt
# reads; it only widens what an incremental run re-reads. The property is checked at margin 0,
# where every load of a step is newer than the previous build's watermark by a few seconds only:
# the strictest case for the watermark.
VARS = json.dumps({"loaded_at_margin_minutes": 0})
# dbt's own bookkeeping columns (when a row was built), not data; left out of the comparison.
BUILD_TIME_COLUMNS = {"_dbt_built_at"}


def dbt_build(*extra: str) -> None:
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_subprocess_env())
    args = [
        *BUILD_ARGS,
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        *_target_path(),
        # The target Dagster gives dbt (duckdb, snowflake or emulator).
        "--target",
        settings.dbt_target(),
        "--quiet",
        "--vars",
        VARS,
        *extra,
    ]
    result = dbtRunner().invoke(args)
    if not result.success:
        failed = [
            f"{r.node.unique_id}: {r.status} {r.message}"
            for r in getattr(result.result, "results", None) or []
            if str(r.status) not in ("success", "pass", "warn")
        ]
        raise AssertionError(f"dbt {' '.join(extra)} failed: {result.exception or failed}")


def _target_path() -> list[str]:
    """One dbt target folder per DuckDB file under DBT_TARGET_PATH. dbt's partial parsing hashes
    the profile's connection (the file's path is part of it) and parses the whole project again
    when it changes: alternating the incremental and the full-refresh warehouse in one folder
    re-parsed the project on every build. Each folder keeps its own partial parse."""
    base = os.environ.get("DBT_TARGET_PATH")
    if not base or settings.dbt_target() != "duckdb":
        return []
    return ["--target-path", str(Path(base) / settings.duckdb_path().stem)]


def comparable(value: Any) -> Any:
    # Sums and averages of doubles depend on the order the engine adds them in (parallel
    # execution), in the last bits; twelve significant digits are the data.
    return float(f"{value:.12g}") if isinstance(value, float) else value


def snapshot(
    query: Callable[[str], tuple[list[str], list[tuple[Any, ...]]]], tables: list[str]
) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart's rows, sorted, build-time columns left out."""
    out = {}
    for table in tables:
        names, rows = query(f"select * from {table}")
        keep = [i for i, n in enumerate(names) if n.lower() not in BUILD_TIME_COLUMNS]
        out[table] = sorted((tuple(comparable(r[i]) for i in keep) for r in rows), key=repr)
    return out


def differences(
    incremental: dict[str, list[tuple[Any, ...]]], full: dict[str, list[tuple[Any, ...]]]
) -> dict[str, str]:
    """Per mart, what the incremental build has that the full refresh has not, and vice versa."""
    out = {}
    for mart in sorted(set(incremental) | set(full)):
        inc, ref = incremental.get(mart, []), full.get(mart, [])
        if inc != ref:
            extra = [r for r in inc if r not in ref]
            missing = [r for r in ref if r not in inc]
            out[mart] = (
                f"{len(inc)} rows incremental, {len(ref)} full refresh; "
                f"{len(missing)} missing, e.g. {missing[:2]}; {len(extra)} extra, e.g. {extra[:2]}"
            )
    return out


# -- a DuckDB warehouse file -----------------------------------------------------------------


def duckdb_query(path: Path) -> Any:
    """A `query` for `snapshot` on a DuckDB file."""

    def query(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with duckdb.connect(str(path)) as con:
            cur = con.execute(sql)
            return [d[0] for d in cur.description], cur.fetchall()

    return query


def duckdb_marts(path: Path) -> list[str]:
    """Every mart table of a DuckDB file."""
    with duckdb.connect(str(path)) as con:
        rows = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    return [f"marts.{r[0]}" for r in rows]


def copy_raw(source: Path, target: Path) -> None:
    """A new DuckDB file holding only `source`'s raw tables: the input of a full refresh."""
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
