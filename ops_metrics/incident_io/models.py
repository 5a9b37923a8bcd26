"""Pydantic models of the Incident.io v2 payload: what we rely on, with unknown fields allowed
(vendors add fields without notice; the transformer reports them as drift from the raw record's
keys, and the raw record is what the `payload` column keeps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator


class _Open(BaseModel):
    # Unknown fields are accepted but not copied onto the model: nothing reads them there (drift
    # and `payload` come from the raw record), and copying them into every nested model of every
    # incident was a third of validation's cost (docs/benchmarks.md, issue 19).
    model_config = ConfigDict(extra="ignore")


class Person(_Open):
    id: str | None = None
    name: str | None = None
    email: str | None = None


class Role(_Open):
    name: str | None = None
    role_type: str | None = None


class RoleAssignment(_Open):
    role: Role
    assignee: Person | None = None


class Status(_Open):
    id: str | None = None
    name: str
    category: str


class Severity(_Open):
    id: str | None = None
    name: str
    rank: int | None = None


class IncidentType(_Open):
    id: str | None = None
    name: str | None = None


class TimestampRef(_Open):
    id: str | None = None
    name: str


class TimestampValue(_Open):
    value: datetime | None = None


class IncidentTimestampValue(_Open):
    incident_timestamp: TimestampRef
    value: TimestampValue | None = None


class CatalogEntry(_Open):
    id: str
    name: str | None = None
    external_id: str | None = None


class CustomFieldValue(_Open):
    value_catalog_entry: CatalogEntry | None = None


class CustomFieldRef(_Open):
    id: str | None = None
    name: str
    field_type: str | None = None


class CustomFieldEntry(_Open):
    custom_field: CustomFieldRef
    values: list[CustomFieldValue] = []


class Incident(_Open):
    id: str
    reference: str
    name: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    mode: str
    visibility: str | None = None
    incident_status: Status
    severity: Severity | None = None
    incident_type: IncidentType | None = None
    incident_role_assignments: list[RoleAssignment] = []
    custom_field_entries: list[CustomFieldEntry] = []
    incident_timestamp_values: list[IncidentTimestampValue] = []
    # Documented in the v2 spec; kept in the raw payload, not modelled further.
    summary: str | None = None
    permalink: str | None = None
    call_url: str | None = None
    creator: Any = None
    duration_metrics: Any = None
    external_issue_reference: Any = None
    has_debrief: bool | None = None
    postmortem_document_url: str | None = None
    slack_channel_id: str | None = None
    slack_channel_name: str | None = None
    slack_team_id: str | None = None
    workload_minutes_late: float | None = None
    workload_minutes_sleeping: float | None = None
    workload_minutes_total: float | None = None
    workload_minutes_working: float | None = None

    @field_validator("id")
    @classmethod
    def _canonical_id(cls, value: str) -> str:
        # Incident ids are ULIDs, which are case-insensitive: `01hx…` and `01HX…` are the same
        # incident, so the row key is the canonical upper-case form (the payload keeps what was
        # sent). An empty id is rejected before this (ingestion/transformer.py).
        return value.strip().upper()

    # Fields every incident carries; one missing from a whole load is reported as vanished.
    expected_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "reference",
            "name",
            "created_at",
            "updated_at",
            "mode",
            "visibility",
            "incident_status",
            "incident_role_assignments",
            "custom_field_entries",
            "incident_timestamp_values",
        }
    )
