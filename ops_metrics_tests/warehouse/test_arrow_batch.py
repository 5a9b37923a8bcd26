"""The stage's Arrow batches are built a column at a time (base.arrow_batch); the values must be
exactly those of the row-at-a-time path they replaced (row_reference.py), or
every stored row would read as changed on the next load."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ops_metrics.warehouse.base import arrow_batch
from ops_metrics.warehouse.table import Column, TableSpec
from ops_metrics_tests.warehouse.row_reference import arrow_table, normalise

SPEC = TableSpec(
    schema="raw",
    name="every_type",
    columns=(
        Column("id", "varchar"),
        Column("seen_at", "timestamp"),
        Column("seen_on", "date"),
        Column("ratio", "double"),
        Column("n", "bigint"),
        Column("is_open", "boolean"),
        Column("doc", "json"),
    ),
    primary_key=("id",),
    version_column="seen_at",
)
LOADED = datetime(2026, 1, 6, 12, 30, 1, 250)

_zones = st.sampled_from(
    [
        None,
        UTC,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-8)),
        ZoneInfo("Europe/Berlin"),
        ZoneInfo("America/New_York"),
    ]
)


@st.composite
def _timestamps(draw: st.DrawFn) -> datetime | None:
    moment = draw(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
    zone = draw(_zones)
    return draw(st.one_of(st.none(), st.just(moment.replace(tzinfo=zone))))


_rows = st.lists(
    st.fixed_dictionaries(
        {"id": st.text(max_size=8)},
        optional={
            "seen_at": _timestamps(),
            "seen_on": st.one_of(st.none(), st.dates()),
            "ratio": st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-(2**53), 2**53)),
            "n": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            "is_open": st.one_of(st.none(), st.booleans()),
            "doc": st.one_of(st.none(), st.text()),
            "unknown": st.integers(),
        },
    ),
    min_size=1,
    max_size=20,
)


@settings(deadline=None)  # a loaded machine, not a slow path
@given(_rows)
def test_a_column_built_batch_holds_the_row_at_a_time_values(rows: list[dict]) -> None:
    expected = arrow_table([normalise(r, SPEC, LOADED, "run-1") for r in rows], SPEC)
    assert arrow_batch(rows, SPEC, LOADED, "run-1").equals(expected)


def test_aware_timestamps_land_as_their_utc_instant_and_naive_ones_as_given() -> None:
    berlin_summer = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    rows = [
        {"id": "a", "seen_at": berlin_summer, "seen_on": date(2026, 7, 1)},
        {"id": "b", "seen_at": datetime(2026, 7, 1, 12, 0)},
        {"id": "c", "seen_at": None},
    ]
    batch = arrow_batch(rows, SPEC, LOADED, "run-1").to_pylist()
    assert [r["seen_at"] for r in batch] == [
        datetime(2026, 7, 1, 10, 0),
        datetime(2026, 7, 1, 12),
        None,
    ]
    assert {r["_loaded_at"] for r in batch} == {LOADED}
    assert {r["_run_id"] for r in batch} == {"run-1"}
    assert batch[1]["seen_on"] is None and batch[1]["doc"] is None
