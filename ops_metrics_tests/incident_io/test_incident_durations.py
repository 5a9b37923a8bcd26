"""TTD / TTR / TTS, computed once at ingestion by `incident_row` (dbt carries them unchanged):
seconds between the workspace's canonical timestamps, exact to the microsecond, whatever offset
the API wrote them in; NULL when an end is missing; negative kept (the mart turns negatives into
NULL); a closed incident without "Resolved at" resolves at "Closed at"."""

from __future__ import annotations

from typing import Any

import pytest

from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_row
from ops_metrics.registry import Workspace, workspace

COMPANYA = workspace("companya")  # detected_at is "Impact start"
COMPANYC = workspace("companyc")  # detected_at is "Detected at"
CREATED = "2026-03-10T12:00:00.250000Z"


def _payload(
    stamps: dict[str, str | None], category: str = "closed", created_at: str = CREATED
) -> dict[str, Any]:
    """An incident as the list endpoint sends it, with these named timestamps (None: the
    timestamp is listed without a value, as the API does for one not set yet)."""
    return {
        "id": "01HZDURATIONS0000000000000",
        "reference": "INC-7",
        "name": "Durations",
        "created_at": created_at,
        "updated_at": "2026-03-12T00:00:00Z",
        "mode": "standard",
        "incident_status": {"name": category.title(), "category": category},
        "incident_timestamp_values": [
            {
                "incident_timestamp": {"id": f"ts-{n}", "name": name},
                "value": None if value is None else {"value": value},
            }
            for n, (name, value) in enumerate(stamps.items())
        ],
    }


def _durations(ws: Workspace, payload: dict[str, Any]) -> tuple[Any, Any, Any]:
    row = incident_row(ws, Incident.model_validate(payload), payload)
    return row["ttd_sec"], row["ttr_sec"], row["tts_sec"]


def test_durations_are_exact_seconds_between_the_canonical_timestamps() -> None:
    payload = _payload(
        {"Impact start": "2026-03-10T12:05:00.750001Z", "Resolved at": "2026-03-10T13:05:00.5Z"}
    )
    # Microseconds exact: no float noise from epoch arithmetic.
    assert _durations(COMPANYA, payload) == (300.500001, 3599.749999, 3900.25)


def test_offsets_are_instants_not_wall_clock_times() -> None:
    # The same instants as above, written in +02:00 and -05:30.
    payload = _payload(
        {
            "Impact start": "2026-03-10T14:05:00.750001+02:00",
            "Resolved at": "2026-03-10T07:35:00.5-05:30",
        },
        created_at="2026-03-10T12:00:00.25+00:00",
    )
    assert _durations(COMPANYA, payload) == (300.500001, 3599.749999, 3900.25)


def test_another_workspace_reads_its_own_detection_timestamp() -> None:
    stamps = {
        "Impact start": "2026-03-10T11:00:00Z",  # companya's name; not companyc's
        "Detected at": "2026-03-10T12:01:00.25Z",
        "Resolved at": "2026-03-10T12:31:00.25Z",
    }
    assert _durations(COMPANYC, _payload(stamps)) == (60.0, 1800.0, 1860.0)
    assert _durations(COMPANYA, _payload(stamps)) == (-3600.25, 5460.25, 1860.0)


@pytest.mark.parametrize(
    ("stamps", "category", "expected"),
    [
        # Not detected yet: no TTD, no TTR; TTS still runs from creation.
        ({"Resolved at": "2026-03-10T13:00:00.25Z"}, "closed", (None, None, 3600.0)),
        # Listed without a value (not set yet) is the same as absent.
        (
            {"Impact start": None, "Resolved at": "2026-03-10T13:00:00.25Z"},
            "closed",
            (None, None, 3600.0),
        ),
        # Live: detected, not resolved.
        ({"Impact start": "2026-03-10T12:10:00.25Z"}, "live", (600.0, None, None)),
        # Live with a "Closed at" (set, then re-opened): closed_at is no resolution.
        (
            {"Impact start": "2026-03-10T12:10:00.25Z", "Closed at": "2026-03-10T15:00:00.25Z"},
            "live",
            (600.0, None, None),
        ),
    ],
    ids=["no-detection", "detection-without-value", "live", "live-with-closed-at"],
)
def test_a_missing_end_leaves_its_durations_null(
    stamps: dict[str, str | None], category: str, expected: tuple
) -> None:
    assert _durations(COMPANYA, _payload(stamps, category)) == expected


def test_a_closed_incident_without_resolved_at_resolves_at_closed_at() -> None:
    stamps = {"Impact start": "2026-03-10T12:10:00.25Z", "Closed at": "2026-03-10T14:10:00.25Z"}
    assert _durations(COMPANYA, _payload(stamps, "closed")) == (600.0, 7200.0, 7800.0)
    # "Resolved at", when there is one, wins over "Closed at".
    stamps["Resolved at"] = "2026-03-10T13:10:00.25Z"
    assert _durations(COMPANYA, _payload(stamps, "closed")) == (600.0, 3600.0, 4200.0)


def test_retrospective_durations_keep_their_sign() -> None:
    # A retrospective incident is created after the fact: impact started hours before creation.
    payload = _payload(
        {"Impact start": "2026-03-10T09:00:00.25Z", "Resolved at": "2026-03-10T11:00:00.25Z"}
    )
    payload["mode"] = "retrospective"
    assert _durations(COMPANYA, payload) == (-10800.0, 7200.0, -3600.0)
