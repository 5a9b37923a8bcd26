"""A load longer than `merge_chunk_rows` is merged chunk by chunk while it is fetched
(warehouse/chunks.py): it must leave exactly the table one merge of the whole load leaves, on both
backends and in whatever order a key's versions arrive; a failed merge stops the fetch; a failed
fetch keeps only whole chunks merged before it, and logs no window."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import LoadBatch, StageAndMergeIOManager
from ops_metrics.warehouse.writer_lock import WAIT_ENV, writer_lock
from ops_metrics_tests.warehouse.test_merge_contract import SPEC, T0, table, warehouse  # noqa: F401

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def versions_out_of_order() -> list[list[dict]]:
    """Batches in which keys come back in later batches with newer, older and equal versions,
    changed and unchanged: what a backfill over overlapping windows hands the merge."""

    def batch(ids: range, hours: int, value: int) -> list[dict]:
        return [
            {
                "id": f"r{i}",
                "updated_at": T0 + timedelta(hours=hours),
                "value": value,
                "payload": f'{{"i":{i},"v":{value}}}',
            }
            for i in ids
        ]

    return [
        batch(range(0, 4), 2, 20),  # newest first
        batch(range(2, 6), 1, 10),  # r2, r3 older: stale; r4, r5 new
        batch(range(4, 8), 3, 30),  # r4, r5 newer and changed
        batch(range(0, 2), 2, 20),  # unchanged repeats
        batch(range(6, 9), 3, 31),  # same version, changed value
        [],
        batch(range(8, 10), 4, 40),
    ]


def materialize(warehouse, batches, chunk_rows: int, **kwargs) -> dg.ExecuteInProcessResult:  # noqa: F811
    @dg.asset(io_manager_key="warehouse_io_manager")
    def things() -> LoadBatch:
        return LoadBatch(SPEC, batches)

    io_manager = StageAndMergeIOManager(warehouse=warehouse, merge_chunk_rows=chunk_rows)
    return dg.materialize(
        [things],
        resources={"warehouse_io_manager": io_manager},
        run_config=QUIET,
        **kwargs,
    )


def business(rows: list[tuple]) -> list[tuple]:
    return [r[:4] for r in rows]  # without _loaded_at and _run_id: each merge has its own clock


@pytest.mark.parametrize("chunk_rows", [1, 4, 7, 9])
def test_a_load_merged_in_chunks_leaves_the_table_one_merge_leaves(
    warehouse,  # noqa: F811
    tmp_path: Path,
    chunk_rows: int,
):
    import sys

    switch_interval = sys.getswitchinterval()
    whole = DuckDBWarehouse(path=str(tmp_path / "whole.duckdb"))
    assert materialize(whole, versions_out_of_order(), chunk_rows=1_000).success

    result = materialize(warehouse, versions_out_of_order(), chunk_rows=chunk_rows)

    assert result.success
    assert business(table(warehouse)) == business(table(whole))
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["rows_staged"].value == sum(map(len, versions_out_of_order()))
    assert metadata["rows_inserted"].value == 10
    assert sys.getswitchinterval() == switch_interval


def stream_failing_after(rows_before: int) -> Iterator[list[dict]]:
    from ops_metrics_tests.warehouse.test_merge_contract import rows

    yield rows(rows_before, T0)
    raise ConnectionError("incident.io went away mid-fetch")


def test_a_failed_fetch_keeps_only_the_whole_chunks_merged_before_it(tmp_path: Path):
    wh = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    result = materialize(wh, stream_failing_after(5), chunk_rows=5, raise_on_error=False)

    assert not result.success
    assert "incident.io went away mid-fetch" in str(
        result.get_step_failure_events()[0].event_specific_data.error
    )
    assert result.get_asset_materialization_events() == []  # no watermark, no load-log window
    assert len(table(wh)) == 5

    # A load shorter than a chunk still never touches the warehouse when its fetch fails.
    empty = DuckDBWarehouse(path=str(tmp_path / "empty.duckdb"))
    assert not materialize(
        empty, stream_failing_after(4), chunk_rows=5, raise_on_error=False
    ).success
    assert not Path(empty.path).exists()


def test_a_failed_merge_stops_the_fetch(tmp_path: Path, monkeypatch):
    # The first chunk's merge cannot take the writer lock (held here, no wait allowed): the
    # fetch, an endless stream, must stop and the step fail naming the lock, not fetch forever.
    monkeypatch.setenv(WAIT_ENV, "0")
    wh = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    fetched = 0

    def endless() -> Iterator[list[dict]]:
        nonlocal fetched
        from ops_metrics_tests.warehouse.test_merge_contract import rows

        while fetched < 200_000:  # far more than the merge's failure takes to be noticed
            fetched += 1
            yield rows(1, T0)
        raise AssertionError("the fetch went on after the merge failed")

    with writer_lock(wh.path, "a test holding the lock", wait=0):
        result = materialize(wh, endless(), chunk_rows=2, raise_on_error=False)

    assert not result.success
    error = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert "warehouse writer lock" in error and "a test holding the lock" in error
    assert fetched < 200_000


def test_a_chunk_size_below_one_row_is_refused_naming_the_setting(tmp_path: Path):
    with pytest.raises(ValueError, match="merge_chunk_rows"):
        StageAndMergeIOManager(
            warehouse=DuckDBWarehouse(path=str(tmp_path / "w.duckdb")), merge_chunk_rows=0
        )
