"""A warehouse built by the code before issue 18 item 3 (incident staging without ttd_sec /
ttr_sec / tts_sec, fct_ops__incidents holding durations dbt computed from the timestamps) ends,
after the automation's ordinary incremental build, with the marts and incident staging a full
refresh of the same raw data builds: nothing for the operator to do (macros/upgrades.sql).

The old state is made from a build of this code the way the old code left it: the staging tables
lose the three columns, and the mart's durations are recomputed with the old SQL (DuckDB epoch
arithmetic, negatives to NULL), which differs from ingestion's exact values in the last bits
once detection and resolution are sub-second apart from creation, as Incident.io's timestamps
(microseconds) are.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ops_metrics.registry import WORKSPACES
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics_tests.dbt import load_sequences
from ops_metrics_tests.dbt.incremental_property import (
    copy_raw,
    dbt_build,
    differences,
    duckdb_marts,
    duckdb_query,
    snapshot,
)

pytestmark = pytest.mark.slow

SEED = 15
DURATIONS = {
    "ttd_sec": ("created_at", "detected_at"),
    "ttr_sec": ("detected_at", "resolved_at"),
    "tts_sec": ("created_at", "resolved_at"),
}
STAGING = [f"staging.stg_incident_io__{ws.name}__incidents" for ws in WORKSPACES]


def _to_the_microsecond(universe: load_sequences.Universe) -> None:
    """Detection and resolution at any microsecond, not whole minutes after creation."""
    rng = random.Random(SEED)
    for rows in universe.incidents.values():
        for row in rows.values():
            if row["detected_at"] is not None:
                row["detected_at"] += timedelta(microseconds=rng.randint(1, 999_999))
            if row["resolved_at"] is not None:
                resolved = row["resolved_at"] + timedelta(microseconds=rng.randint(1, 999_999))
                row["resolved_at"] = row["closed_at"] = resolved
                row["fixed_at"] = resolved if row["fixed_at"] is not None else None
            stamps = (row["created_at"], row["detected_at"], row["resolved_at"])
            row["updated_at"] = max(t for t in stamps if t)


def _as_the_old_code_left_it(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        for table in STAGING:
            for column in DURATIONS:
                con.execute(f"alter table {table} drop column {column}")
        old_sql = ", ".join(
            f"{column} = case when cast(epoch({end}) - epoch({start}) as double) >= 0"
            f" then cast(epoch({end}) - epoch({start}) as double) end"
            for column, (start, end) in DURATIONS.items()
        )
        con.execute(f"update marts.fct_ops__incidents set {old_sql}")


def _staging_built_at(path: Path) -> list[tuple[str, datetime]]:
    """When staging built each row an incremental run does not re-stage (loaded before the
    newest load; the property's margin is 0)."""
    with duckdb.connect(str(path)) as con:
        return sorted(
            row
            for t in STAGING
            for row in con.execute(
                f"select incident_id, _dbt_built_at from {t} "
                f"where _loaded_at < (select max(_loaded_at) from {t})"
            ).fetchall()
        )


def test_an_old_warehouse_upgrades_to_a_full_refresh_on_the_next_incremental_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, full_db = tmp_path / "warehouse.duckdb", tmp_path / "full_refresh.duckdb"
    monkeypatch.setenv("OPS_METRICS_TARGET", "duckdb")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(db))
    warehouse = DuckDBWarehouse(path=str(db))
    load_sequences.create_raw_tables(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    kinds, universe = load_sequences.sequence(SEED, now)
    _to_the_microsecond(universe)

    def load(n: int) -> None:
        step = load_sequences.next_step(universe, kinds[n])
        load_sequences.load(warehouse, step, run_id=f"upgrade-step{n}")

    # Recent incidents, a backfill or an edit: then the old code's build, simulated.
    load(0)
    load(1)
    dbt_build()
    _as_the_old_code_left_it(db)

    def full_refresh() -> dict[str, list[tuple]]:
        copy_raw(db, full_db)
        monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(full_db))
        dbt_build("--full-refresh")
        monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(db))
        return snapshot(duckdb_query(full_db), duckdb_marts(full_db) + STAGING)

    # The old mart is not the full refresh's (the test can fail): its durations are the SQL's.
    old_marts = snapshot(duckdb_query(db), ["marts.fct_ops__incidents"])
    assert "marts.fct_ops__incidents" in differences(
        old_marts, {"marts.fct_ops__incidents": full_refresh()["marts.fct_ops__incidents"]}
    )

    # The upgraded code's first run is the ordinary one, after an ordinary load.
    load(2)
    dbt_build()
    upgraded = snapshot(duckdb_query(db), duckdb_marts(db) + STAGING)
    full = full_refresh()
    assert upgraded.keys() == full.keys()
    assert differences(upgraded, full) == {}

    # Once upgraded, a run re-stages only what was loaded (the check drops nothing again).
    built_at = _staging_built_at(db)
    assert built_at
    dbt_build()
    assert _staging_built_at(db) == built_at
