"""The IO manager's spool (warehouse/spool.py) holds the fetch as Arrow columns: a load merged
from it must leave exactly the table that merging the rows themselves leaves, on both backends
(test_merge_contract's `warehouse` fixture)."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ops_metrics.warehouse.base import WarehouseResource
from ops_metrics.warehouse.chunks import merged_while_fetching
from ops_metrics.warehouse.spool import SLICE_ROWS
from ops_metrics_tests.warehouse.test_arrow_batch import SPEC
from ops_metrics_tests.warehouse.test_merge_contract import warehouse  # noqa: F401 - fixture

AT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # Berlin's clocks go forward at 01:00 UTC
ROWS = 7 + 7 + SLICE_ROWS + 3


def batches() -> list[list[dict]]:
    zones = [UTC, timezone(timedelta(hours=-8)), ZoneInfo("Europe/Berlin"), None]
    return [
        [
            {
                "id": f"r{b}-{i}",
                # Aware in several zones across a DST change, and naive (kept as given).
                "seen_at": (AT + timedelta(hours=i)).astimezone(zones[i % 4])
                if zones[i % 4]
                else (AT + timedelta(hours=i)).replace(tzinfo=None),
                "seen_on": None if i % 3 else AT.date(),
                "ratio": i / 7 if i % 2 else None,
                "n": i,
                "is_open": i % 2 == 0,
                "doc": '{"ü":"\\u2028","n":[1,2.5,null]}' if i % 2 else None,
                "not_a_column": "dropped",
            }
            for i in range(size)
        ]
        # The last batch is written in slices and must come back whole.
        for b, size in enumerate([7, 7, SLICE_ROWS + 3])
    ] + [[]]


def table(wh: WarehouseResource) -> list[tuple]:
    # `_loaded_at` is the warehouse's clock at each merge; every other column must be equal.
    columns = ", ".join(c.name for c in SPEC.all_columns if c.name != "_loaded_at")
    return wh.query(f"select {columns} from raw.every_type order by id")


def test_a_spooled_load_merges_the_values_of_the_rows_themselves(warehouse):  # noqa: F811
    direct = warehouse.merge(SPEC, batches(), "run-1")
    expected = table(warehouse)
    warehouse.query("delete from raw.every_type")

    # One chunk: the spool the IO manager merges after the fetch (warehouse/chunks.py).
    def merge(spool, progress):
        return warehouse.merge(SPEC, spool, "run-1", progress)

    with merged_while_fetching(iter(batches()), SPEC, merge, chunk_rows=ROWS + 1) as (_, spool):
        assert (spool.batches, spool.rows) == (3, ROWS)
        assert [len(batch) for batch in spool] == [7, 7, SLICE_ROWS + 3]
        spooled_result = warehouse.merge(SPEC, spool, "run-1")
    assert spooled_result == direct
    assert table(warehouse) == expected
    assert len(expected) == ROWS
