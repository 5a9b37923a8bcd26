"""Where things live and which backends run, read from the environment.

Everything defaults to the embedded setup (a DuckDB file and the built-in simulators), so a
laptop needs no configuration; production switches by variables, never by code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "ops_metrics_dbt"

SourcesMode = Literal["simulated", "live"]
Target = Literal["duckdb", "snowflake"]


class ConfigurationError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def home() -> Path:
    return Path(os.environ.get("OPS_METRICS_HOME") or PROJECT_ROOT / "data").expanduser()


def duckdb_path() -> Path:
    explicit = os.environ.get("OPS_METRICS_DUCKDB_PATH")
    return Path(explicit).expanduser() if explicit else home() / "warehouse.duckdb"


# DuckDB's memory cap during a stage-and-merge (warehouse/duckdb.py). The whole load is staged,
# deduplicated and matched in temporary tables, and DuckDB fills whatever cap it has before
# spilling to `<file>.tmp`. Measured on 100k incidents (docs/benchmarks.md, "Issue 19: memory"):
# 512 MB, 128 MB and 64 MB merge in about the same time, and each halving lowers the process's
# peak by about as much; 32 MB runs out (DuckDB cannot spill its working set of a batch). The
# cap is where a merge starts: wider rows retry at a doubled cap (warehouse/memory_cap.py).
DUCKDB_MEMORY_LIMIT_ENV = "OPS_METRICS_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "64MB"


def duckdb_memory_limit() -> str:
    """OPS_METRICS_DUCKDB_MEMORY_LIMIT as DuckDB reads a size (`128MB`, `1GB`, `512MiB`)."""
    raw = os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_DUCKDB_MEMORY_LIMIT
    from ops_metrics.warehouse.memory_cap import size_bytes  # sizes as DuckDB reads them

    try:
        size = size_bytes(raw)
    except ValueError:
        raise ConfigurationError(
            f"{DUCKDB_MEMORY_LIMIT_ENV} must be a size such as 128MB or 1GB, got {raw!r}"
        ) from None
    # Below the default, DuckDB's own checkpoint after a merge's commit can fail to find a
    # block of memory (seen at 32MB on a 100k-incident load: "FATAL Error: ... the autocheckpoint
    # failed"), which no retry recovers; the default merges as fast as 512MB did.
    if size < size_bytes(DEFAULT_DUCKDB_MEMORY_LIMIT):
        raise ConfigurationError(
            f"{DUCKDB_MEMORY_LIMIT_ENV} must be at least {DEFAULT_DUCKDB_MEMORY_LIMIT} (below it "
            f"DuckDB's checkpoint can fail a load), got {raw!r}"
        )
    return raw


def sources_mode() -> SourcesMode:
    return checked_sources_mode(os.environ.get("OPS_METRICS_SOURCES", "simulated"))


def checked_sources_mode(raw: str) -> SourcesMode:
    """The one check of OPS_METRICS_SOURCES, whether read here or set on SourcesResource."""
    value = raw.strip().lower()
    if value not in ("simulated", "live"):
        raise ConfigurationError(
            f"OPS_METRICS_SOURCES must be 'simulated' or 'live', got {value!r}"
        )
    return value  # type: ignore[return-value]


def target() -> Target:
    value = os.environ.get("OPS_METRICS_TARGET", "duckdb").strip().lower()
    if value not in ("duckdb", "snowflake"):
        raise ConfigurationError(
            f"OPS_METRICS_TARGET must be 'duckdb' or 'snowflake', got {value!r}"
        )
    return value  # type: ignore[return-value]


def dbt_target() -> str:
    """The dbt profile target: OPS_METRICS_DBT_TARGET when set, else `emulator` when the Snowflake
    target is the local emulator (OPS_METRICS_SNOWFLAKE_EMULATOR=1), else OPS_METRICS_TARGET.
    The emulator gets its own dbt target so its shims (macros/emulator/) never reach Snowflake."""
    explicit = os.environ.get("OPS_METRICS_DBT_TARGET", "").strip()
    if explicit:
        return explicit
    emulated = os.environ.get("OPS_METRICS_SNOWFLAKE_EMULATOR", "").strip().lower()
    if target() == "snowflake" and emulated in ("1", "true", "yes"):
        return "emulator"
    return target()


# The dbt build runs in this Dagster concurrency pool (limit 1 in deploy/dagster.*.yaml): two
# builds of one dbt project would share its target/ directory. Ingestion assets are not in it: a
# pool slot lasts a whole step, fetch included, so a slow source would queue every other load.
# DuckDB's one-writer-per-file rule is kept by the writer lock (warehouse/writer_lock.py), held
# only for the stage-and-merge and the dbt build.
WAREHOUSE_POOL = "warehouse_writer"
