"""The stage-and-merge contract, proven on every backend: DuckDB (a real file) and Snowflake
(emulated in-process by fakesnow). Backend-specific behaviour lives beside it in
test_snowflake_merge.py."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from ops_metrics.warehouse.base import WarehouseResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.table import Column, TableSpec

SPEC = TableSpec(
    "raw",
    "things",
    (
        Column("id", "varchar"),
        Column("updated_at", "timestamp"),
        Column("value", "bigint"),
        Column("payload", "json"),
    ),
    ("id",),
    "updated_at",
)
T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)


def rows(n: int, version: datetime, value: int = 1) -> list[dict]:
    return [
        {"id": f"r{i}", "updated_at": version, "value": value, "payload": f'{{"i": {i}}}'}
        for i in range(n)
    ]


@pytest.fixture(params=["duckdb", "snowflake"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WarehouseResource]:
    if request.param == "duckdb":
        yield DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
        return
    import fakesnow
    from dagster_snowflake import SnowflakeResource

    from ops_metrics.warehouse.snowflake import SnowflakeWarehouse

    with fakesnow.patch():
        resource = SnowflakeResource(
            account="test", user="test", password="test", database="OPS", paramstyle="qmark"
        )
        yield SnowflakeWarehouse(snowflake=resource, emulator=True)


def table(warehouse: WarehouseResource) -> list[tuple]:
    return warehouse.query("select * from raw.things order by id")


def test_the_same_batch_twice_leaves_an_identical_table(warehouse):
    first = warehouse.merge(SPEC, [rows(50, T0)], "run-1")
    before = table(warehouse)
    second = warehouse.merge(SPEC, [rows(50, T0)], "run-2")
    assert (first.inserted, second.inserted, second.updated, second.unchanged) == (50, 0, 0, 50)
    assert table(warehouse) == before  # load columns included: nothing was rewritten


def test_a_stale_version_never_overwrites_a_newer_one(warehouse):
    warehouse.merge(SPEC, [rows(10, T0 + timedelta(hours=1), value=2)], "new")
    result = warehouse.merge(SPEC, [rows(10, T0, value=1)], "old-backfill")
    assert result.stale == 10
    assert {r[0] for r in warehouse.query("select distinct value from raw.things")} == {2}


def test_a_newer_version_updates_in_place(warehouse):
    warehouse.merge(SPEC, [rows(10, T0)], "a")
    result = warehouse.merge(SPEC, [rows(5, T0 + timedelta(minutes=1), value=7)], "b")
    assert (result.updated, result.inserted) == (5, 0)
    assert warehouse.query("select count(*), sum(value) from raw.things") == [(10, 5 * 7 + 5)]


def test_duplicates_within_one_load_keep_the_newest_version(warehouse):
    batch = rows(3, T0) + rows(3, T0 + timedelta(seconds=1), value=9)
    result = warehouse.merge(SPEC, [batch[:4], batch[4:]], "dupes")
    assert result.duplicates_in_batch == 3
    assert warehouse.query("select count(*), sum(value) from raw.things") == [(3, 27)]


def test_equal_versions_within_one_load_keep_the_one_fetched_last(warehouse):
    # As a later load's equal version replaces an earlier load's: a load merged at once, in
    # chunks (warehouse/chunks.py) or over several runs must end alike, whatever the order.
    first, second, third = rows(3, T0, value=1), rows(3, T0, value=2), rows(2, T0, value=3)
    result = warehouse.merge(SPEC, [first, second + third], "run-1")
    assert result.duplicates_in_batch == 5
    assert [r[2] for r in table(warehouse)] == [3, 3, 2]
    result = warehouse.merge(SPEC, [rows(1, T0, value=3), rows(1, T0, value=1)], "run-2")
    assert [r[2] for r in table(warehouse)] == [1, 3, 2]


def test_a_failure_while_staging_leaves_the_target_untouched_and_a_rerun_completes(warehouse):
    warehouse.merge(SPEC, [rows(4, T0)], "seed")
    before = table(warehouse)

    def crashing():
        yield rows(20, T0 + timedelta(hours=1), value=5)
        raise ConnectionError("source died mid-stream")

    with pytest.raises(ConnectionError):
        warehouse.merge(SPEC, crashing(), "crash")
    assert table(warehouse) == before
    warehouse.merge(SPEC, [rows(20, T0 + timedelta(hours=1), value=5)], "rerun")
    assert warehouse.query("select count(*), count(distinct id), sum(value) from raw.things") == [
        (20, 20, 100)
    ]


def test_timestamps_with_offsets_are_stored_as_utc(warehouse):
    plus_two = datetime(2026, 1, 5, 14, tzinfo=timezone(timedelta(hours=2)))
    warehouse.merge(
        SPEC, [[{"id": "x", "updated_at": plus_two, "value": 1, "payload": "{}"}]], "tz"
    )
    assert warehouse.query("select updated_at from raw.things") == [(datetime(2026, 1, 5, 12),)]


def test_a_new_column_in_the_spec_evolves_the_table(warehouse):
    warehouse.merge(SPEC, [rows(2, T0)], "v1")
    wider = TableSpec(
        SPEC.schema, SPEC.name, (*SPEC.columns, Column("extra", "varchar")), ("id",), "updated_at"
    )
    batch = [dict(r, extra="x") for r in rows(2, T0 + timedelta(seconds=1))]
    warehouse.merge(wider, [batch], "v2")
    assert warehouse.query("select distinct extra from raw.things") == [("x",)]


def loaded_at(warehouse: WarehouseResource) -> dict[str, datetime]:
    return dict(warehouse.query("select id, _loaded_at from raw.things"))


def warehouse_now(warehouse: WarehouseResource) -> datetime:
    """The warehouse's own clock (UTC, no zone), read the way dbt's utc_now() macro reads it."""
    sql = (
        "select cast(timezone('UTC', now()) as timestamp)"
        if isinstance(warehouse, DuckDBWarehouse)
        else "select cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)"
    )
    return warehouse.query(sql)[0][0]


def test_loaded_at_is_the_warehouse_time_of_the_merge_that_inserted_or_changed_the_row(warehouse):
    # dbt's incremental models read what was loaded since their newest _loaded_at: the stamp is
    # the warehouse's clock at the merge, not the loader's, and moves only on a real change.
    warehouse.merge(SPEC, [rows(3, T0)], "first")
    before = warehouse_now(warehouse)
    first = loaded_at(warehouse)
    # The same versions again: r0 and r2 unchanged, r1 changed at an equal version, r3 new.
    changed = rows(3, T0)
    changed[1]["value"] = 42
    # The loader's clock is off by years: the stamp does not come from it.
    with time_machine.travel(datetime(2031, 6, 1, tzinfo=UTC)):
        warehouse.merge(SPEC, [[*changed, *rows(4, T0)[3:]]], "second")
    after = warehouse_now(warehouse)
    second = loaded_at(warehouse)
    assert second["r0"] == first["r0"] and second["r2"] == first["r2"]  # unchanged: kept
    assert before <= second["r1"] <= after  # changed: this merge, warehouse time
    assert before <= second["r3"] <= after  # inserted: this merge, warehouse time
    assert second["r1"] == second["r3"]  # one instant for the whole merge
    # A stale version is not a change: its _loaded_at stays.
    warehouse.merge(SPEC, [rows(1, T0 - timedelta(days=1), value=9)], "stale")
    assert loaded_at(warehouse) == second


def test_a_long_load_reports_progress_at_round_counts_not_every_batch(tmp_path: Path):
    # Each progress line is a run-log event (a commit to Dagster's event storage): a line per
    # 2,000-row batch was 50 of them per 100k incidents; 10,000, 20,000, 50,000... are enough.
    lines: list[str] = []
    all_rows = rows(31_000, T0)
    batches = [all_rows[i : i + 2_000] for i in range(0, len(all_rows), 2_000)]
    result = DuckDBWarehouse(path=str(tmp_path / "w.duckdb")).merge(
        SPEC, batches, "run-1", progress=lines.append
    )
    assert result.inserted == 31_000
    assert lines == [
        "raw.things: staged 10,000 rows",
        "raw.things: staged 20,000 rows",
        "raw.things: staged 31,000 rows; merging",  # the end of staging, before the merge
    ]
