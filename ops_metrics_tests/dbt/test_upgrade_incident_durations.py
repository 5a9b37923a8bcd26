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

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ops_metrics.registry import WORKSPACES
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics_tests.dbt import incremental_property as prop
from ops_metrics_tests.dbt import load_sequences

pytestmark = pytest.mark.slow

SEED = 15
DURATIONS = {
    "ttd_sec": ("created_at", "detected_at"),
    "ttr_sec": ("detected_at", "resolved_at"),
    "tts_sec": ("created_at", "resolved_at"),
}
STAGING = [f"staging.stg_incident_io__{ws.name}__incidents" for ws in WORKSPACES]


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
    load_sequences.to_the_microsecond(universe, SEED)

    def load(n: int) -> None:
        step = load_sequences.next_step(universe, kinds[n])
        load_sequences.load(warehouse, step, run_id=f"upgrade-step{n}")

    # Recent incidents, a backfill or an edit: then the old code's build, simulated.
    load(0)
    load(1)
    prop.dbt_build()
    _as_the_old_code_left_it(db)

    def full_refresh() -> dict[str, list[tuple]]:
        prop.copy_raw(db, full_db)
        monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(full_db))
        prop.dbt_build("--full-refresh")
        monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(db))
        return prop.snapshot(prop.duckdb_query(full_db), prop.duckdb_marts(full_db) + STAGING)

    # The old mart is not the full refresh's (the test can fail): its durations are the SQL's.
    old_marts = prop.snapshot(prop.duckdb_query(db), ["marts.fct_ops__incidents"])
    assert "marts.fct_ops__incidents" in prop.differences(
        old_marts, {"marts.fct_ops__incidents": full_refresh()["marts.fct_ops__incidents"]}
    )

    # The upgraded code's first run is the ordinary one, after an ordinary load.
    load(2)
    prop.dbt_build()
    upgraded = prop.snapshot(prop.duckdb_query(db), prop.duckdb_marts(db) + STAGING)
    full = full_refresh()
    assert upgraded.keys() == full.keys()
    assert prop.differences(upgraded, full) == {}

    # Once upgraded, a run re-stages only what was loaded (the check drops nothing again).
    built_at = _staging_built_at(db)
    assert built_at
    prop.dbt_build()
    assert _staging_built_at(db) == built_at
