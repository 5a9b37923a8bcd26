"""Serialise one incident as the API shows it at "now" (field shapes from the real samples and the
IncidentV2 schema). Done lazily, per request, so a 100k-incident universe stays cheap."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.incident_io import catalog

if TYPE_CHECKING:
    from ops_metrics.simulators.incident_io.lifecycle import SimIncident
    from ops_metrics.simulators.incident_io.workspace import WorkspaceSetup

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ROLE_BASE = {"created_at": "2023-10-24T09:27:23.076Z", "required": False}
LEAD_ROLE = {
    **_ROLE_BASE,
    "description": "The person currently coordinating the incident, tasked with driving it to resolution.",
    "id": "01HDGG56RYRA4M4JD0TSDG9DMA",
    "instructions": "",
    "name": "Incident Lead",
    "role_type": "lead",
    "shortform": "lead",
    "updated_at": "2024-06-03T14:03:47.599Z",
}
REPORTER_ROLE = {
    **_ROLE_BASE,
    "description": "The person who reported the incident",
    "id": "01HDGG56RYWFBYZCVAZXGA3JA8",
    "instructions": "",
    "name": "Reporter",
    "role_type": "reporter",
    "shortform": "",
    "updated_at": "2024-06-03T14:03:47.6Z",
}
_OPEN = frozenset({"triage", "investigating", "fixing", "monitoring", "paused"})


@cache
def _tz(offset_minutes: int) -> timezone:
    return timezone(timedelta(minutes=offset_minutes))


def iso(ms: int, offset_minutes: int = 0) -> str:
    """ISO-8601 with Go-style trimmed milliseconds ("…:22.72Z"); non-zero offsets as "+01:00"."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    if offset_minutes:
        moment = moment.astimezone(_tz(offset_minutes))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    frac = ms % 1000
    if frac:
        text += f".{frac:03d}".rstrip("0")
    if not offset_minutes:
        return text + "Z"
    sign, minutes = ("+" if offset_minutes > 0 else "-"), abs(offset_minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _workload(inc: SimIncident, now: int) -> dict[str, float]:
    """Responder time: from the lead joining until the incident left its open statuses."""
    end = next((t for t, s in inc.statuses if s not in _OPEN), now)
    minutes = max(0.0, (min(end, now) - inc.lead_at) / 60_000) * 1.5 if inc.lead_at <= now else 0.0
    hour = (inc.created // 3_600_000) % 24
    sleeping = round(minutes * 0.3, 1) if hour < 7 else 0.0
    late = round(minutes * 0.4, 1) if hour >= 18 else 0.0
    total = round(minutes, 1)
    return {
        "workload_minutes_late": late,
        "workload_minutes_sleeping": sleeping,
        "workload_minutes_total": total,
        "workload_minutes_working": round(total - late - sleeping, 1),
    }


def _duration_metrics(setup: WorkspaceSetup, inc: SimIncident, now: int) -> list[dict[str, Any]]:
    def at(*roles: str) -> int | None:
        return next((v for r in roles if (v := inc.timestamp_at(r, now)) is not None), None)

    spans = {
        "Lasted": (at("detected", "reported"), at("resolved", "closed")),
        "Time to fix": (at("detected", "reported"), at("fixed")),
    }
    out = []
    for metric in setup.metrics:
        start, end = spans[metric["name"]]
        entry: dict[str, Any] = {"duration_metric": dict(metric)}
        if start is not None and end is not None:
            entry["value_seconds"] = (end - start) // 1000
        out.append(entry)
    return out


def render(setup: WorkspaceSetup, inc: SimIncident, now: int) -> dict[str, Any]:
    """The incident's JSON object at `now` (ms since the epoch)."""
    main_offset = inc.offset if inc.offset_all else 0
    reporter = dict(setup.people[inc.reporter])
    lead: dict[str, Any] = {"role": dict(LEAD_ROLE)}
    if inc.lead_at <= now:
        lead["assignee"] = dict(setup.people[inc.lead])
    timestamp_values = []
    for ts in setup.timestamps:
        value = inc.timestamp_at(ts.role, now)
        timestamp_values.append(
            {
                "incident_timestamp": {"id": ts.id, "name": ts.name, "rank": ts.rank},
                "value": None if value is None else {"value": iso(value, inc.offset)},
            }
        )
    impact = setup.impact_field
    documented = inc.timestamp_at("documented", now) is not None
    slug = re.sub(r"[^a-z0-9]+", "-", inc.title.split(":")[0].lower()).strip("-")
    body: dict[str, Any] = {
        "call_url": None,
        "created_at": iso(inc.created, main_offset),
        "creator": {"api_key": None, "user": reporter},
        "custom_field_entries": [
            {
                "custom_field": dict(setup.services_field),
                "values": [{"value_catalog_entry": dict(setup.services[s])} for s in inc.services],
            },
            {
                "custom_field": {**impact, "options": [dict(o) for o in impact["options"]]},
                "values": []
                if inc.impact < 0
                else [{"value_option": dict(impact["options"][inc.impact])}],
            },
        ],
        "duration_metrics": _duration_metrics(setup, inc, now),
        "external_issue_reference": None,
        "has_debrief": False,
        "id": inc.id,
        "incident_role_assignments": [lead, {"assignee": reporter, "role": dict(REPORTER_ROLE)}],
        "incident_status": dict(catalog.STATUSES[inc.status_at(now)]),
        "incident_timestamp_values": timestamp_values,
        "incident_type": dict(catalog.INCIDENT_TYPES[inc.incident_type]),
        "mode": inc.mode,
        "name": inc.title,
        "permalink": f"https://app.incident.io/{setup.org_slug}/incidents/{inc.id}",
        "postmortem_document_url": f"https://docs.example/postmortems/{inc.id}"
        if documented
        else None,
        "reference": f"INC-{inc.number}",
        "slack_channel_id": "C0" + inc.id[-9:],
        "slack_channel_name": f"inc-{inc.number}-{slug}",
        "slack_team_id": setup.slack_team_id,
        "summary": inc.summary,
        "updated_at": iso(inc.updated_at(now), main_offset),
        "visibility": inc.visibility,
        **_workload(inc, now),
    }
    severity = inc.severity_at(now)
    if severity >= 0:  # incidents without a severity omit the key, as the real API does
        body["severity"] = dict(catalog.SEVERITIES[severity])
    return body
