"""`implausible_value` on a validated incident: the record's own timestamps must be plausible,
nested ones (custom timestamps typed in by people) only need a UTC instant; the walk answers
most nested ones without converting them, and must still name those at datetime's ends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ops_metrics.incident_io.models import Incident
from ops_metrics.ingestion.values import implausible_value

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _incident(nested: str | None, created_at: str = "2026-03-10T12:00:00Z") -> Incident:
    payload: dict[str, Any] = {
        "id": "01HZIMPLAUSIBLE00000000000",
        "reference": "INC-9",
        "created_at": created_at,
        "updated_at": "2026-03-12T00:00:00Z",
        "mode": "standard",
        "incident_status": {"name": "Closed", "category": "closed"},
        "severity": {"name": "Minor", "rank": 2},
        "incident_timestamp_values": [
            {"incident_timestamp": {"name": "Reported at"}, "value": None},
            {"incident_timestamp": {"name": "Impact start"}, "value": {"value": nested}},
        ],
    }
    return Incident.model_validate(payload)


def test_nested_timestamps_need_only_a_utc_instant():
    assert implausible_value(_incident("2015-01-01T00:00:00Z"), NOW) is None
    assert implausible_value(_incident("2031-01-01T00:00:00Z"), NOW) is None
    assert implausible_value(_incident("9999-12-31T22:30+01:00"), NOW) is None
    assert implausible_value(_incident(None), NOW) is None


def test_nested_timestamps_at_datetimes_ends_are_named():
    for text in ("9999-12-31T23:30-01:00", "0001-01-01T00:10+01:00"):
        field, reason = implausible_value(_incident(text), NOW)
        assert field == "incident_timestamp_values.1.value.value"
        assert "outside the range of a UTC timestamp" in reason


def test_own_timestamps_must_be_plausible():
    field, reason = implausible_value(_incident(None, created_at="2015-01-01T00:00:00Z"), NOW)
    assert field == "created_at"
    assert "before 2020-01-01" in reason
