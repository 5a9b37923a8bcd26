"""The stage-and-merge contract, proven on every backend: DuckDB (a real file) and Snowflake
(emulated in-process by fakesnow). Backend-specific behaviour lives beside it in
test_snowflake_merge.py."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

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
