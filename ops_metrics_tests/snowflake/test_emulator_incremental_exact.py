"""The property of ops_metrics_tests/dbt/test_incremental_exact.py on the Snowflake emulator: one
seeded sequence of raw loads (recent, an old backfill, late edits, incidents turning
unreportable, AI usage re-extracted and re-identified) through the Snowflake stage-and-merge,
the incremental dbt build on the `emulator` target (every model's snowflake__ SQL) after each,
then a full refresh of the same raw data: every mart identical, row for row.

One database, so the full refresh runs once, at the end, over the incremental marts.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import snowflake.connector

from ops_metrics import settings
from ops_metrics.registry import WORKSPACES
from ops_metrics.snowflake_emulator import (
    DATABASE,
    Emulator,
    emulator_environment,
    running_emulator,
)
from ops_metrics_tests.dbt import load_sequences
from ops_metrics_tests.dbt.incremental_property import dbt_build, differences, snapshot

pytestmark = pytest.mark.slow

SEED = 15


def _query(emulator: Emulator) -> Any:
    env = emulator.environment()

    def query(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with snowflake.connector.connect(
            account=env["SNOWFLAKE_ACCOUNT"], user=env["SNOWFLAKE_USER"],
            password=env["SNOWFLAKE_PASSWORD"], database=DATABASE,
            host=emulator.host, port=emulator.port, protocol="http",
        ) as conn, conn.cursor() as cur:  # fmt: skip
            cur.execute(sql)
            return [c.name for c in cur.description], cur.fetchall()

    return query


def _marts(query: Any) -> list[str]:
    _, rows = query(
        "select table_name from information_schema.tables "
        "where table_schema = 'MARTS' and table_type = 'BASE TABLE' order by 1"
    )
    return [f"marts.{r[0]}" for r in rows]


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    monkeypatch.setenv("OPS_METRICS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    with (
        running_emulator(tmp_path / "snowflake_emulator") as running,
        emulator_environment(running),
    ):
        yield running


def test_incremental_builds_on_the_emulator_equal_a_full_refresh(emulator: Emulator) -> None:
    from ops_metrics.warehouse.snowflake import snowflake_warehouse_from_env

    assert settings.dbt_target() == "emulator"
    # Through Dagster's resource initialisation, which resolves the dg.EnvVar fields.
    with dg.build_resources({"warehouse": snowflake_warehouse_from_env()}) as built:
        warehouse = built.warehouse
    load_sequences.create_raw_tables(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    kinds, universe = load_sequences.sequence(SEED, now, extra_steps=0)
    done = []
    for n, kind in enumerate(kinds):
        step = load_sequences.next_step(universe, kind)
        load_sequences.load(warehouse, step, run_id=f"emulator-step{n}")
        done.append(step.describe())
        dbt_build()

    query = _query(emulator)
    incremental = snapshot(query, _marts(query))
    dbt_build("--full-refresh")
    full = snapshot(query, _marts(query))
    assert incremental.keys() == full.keys()
    assert differences(incremental, full) == {}, " -> ".join(done)
    assert all(incremental.values()), f"every mart has rows: {' -> '.join(done)}"


def test_an_old_warehouse_upgrades_on_the_emulator(emulator: Emulator) -> None:
    """ops_metrics_tests/dbt/test_upgrade_incident_durations.py on Snowflake SQL: incident staging
    built without ttd_sec / ttr_sec / tts_sec and a mart holding the old code's durations
    (Snowflake's datediff in milliseconds) become, on the next ordinary build, what a full refresh
    builds; the on-run-start upgrade's drops and commit run on the emulator."""
    from ops_metrics.warehouse.snowflake import snowflake_warehouse_from_env

    with dg.build_resources({"warehouse": snowflake_warehouse_from_env()}) as built:
        warehouse = built.warehouse
    load_sequences.create_raw_tables(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    kinds, universe = load_sequences.sequence(SEED, now, extra_steps=0)
    load_sequences.to_the_microsecond(universe, SEED)
    for n in (0, 1):
        load_sequences.load(warehouse, load_sequences.next_step(universe, kinds[n]), f"old{n}")
    dbt_build()

    query = _query(emulator)
    staging = [f"staging.stg_incident_io__{ws.name}__incidents" for ws in WORKSPACES]
    for table in staging:
        for column in ("ttd_sec", "ttr_sec", "tts_sec"):
            query(f"alter table {table} drop column {column}")
    old = {
        "ttd_sec": "datediff('millisecond', created_at, detected_at) / 1000.0",
        "ttr_sec": "datediff('millisecond', detected_at, resolved_at) / 1000.0",
        "tts_sec": "datediff('millisecond', created_at, resolved_at) / 1000.0",
    }
    sets = ", ".join(f"{c} = case when {sql} >= 0 then {sql} end" for c, sql in old.items())
    query(f"update marts.fct_ops__incidents set {sets}")

    load_sequences.load(warehouse, load_sequences.next_step(universe, kinds[2]), "upgraded")
    dbt_build()
    upgraded = snapshot(query, _marts(query) + staging)
    dbt_build("--full-refresh")
    full = snapshot(query, _marts(query) + staging)
    assert upgraded.keys() == full.keys()
    assert differences(upgraded, full) == {}
