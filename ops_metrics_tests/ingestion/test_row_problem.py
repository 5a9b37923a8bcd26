"""The last row guard (`row_problem`) names a timestamp column whose value has no UTC instant,
and passes every other one (it skips the conversion away from datetime's ends, for speed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ops_metrics.ingestion.values import row_problem
from ops_metrics.warehouse.table import Column

COLUMNS = (Column("id", "varchar"), Column("at", "timestamp"))


def test_a_timestamp_without_utc_instant_is_named():
    for at in (
        datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))),
        datetime(1, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=1))),
    ):
        column, reason = row_problem({"id": "x", "at": at}, COLUMNS)
        assert column == "at"
        assert "outside the range of a UTC timestamp" in reason


def test_timestamps_with_a_utc_instant_pass():
    for at in (
        datetime(9999, 12, 31, 22, 30, tzinfo=timezone(timedelta(hours=1))),
        datetime(1, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=-1))),
        datetime(2026, 5, 1, tzinfo=timezone(timedelta(hours=23, minutes=59))),
        datetime(2026, 5, 1, tzinfo=UTC),
        datetime(1, 1, 1),  # naive: taken as UTC by the spool
    ):
        assert row_problem({"id": "x", "at": at}, COLUMNS) is None
