"""Per-workspace configuration of a simulated account: people, service catalog, timestamp and
custom-field definitions. Every id is drawn from the workspace's seeded RNG, so two workspaces
(two real accounts) never share ids for their own objects."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from typing import Any

from ops_metrics.registry import Workspace
from ops_metrics.simulators.incident_io import catalog

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [_CROCKFORD[i >> 5] + _CROCKFORD[i & 31] for i in range(1024)]
_SHIFTS = tuple(range(120, -1, -10))
PEOPLE_PER_WORKSPACE = 60


def stable_hash(text: str) -> int:
    """A process-independent hash (Python's hash() is salted per process)."""
    return zlib.crc32(text.encode())


def workspace_rng(workspace_name: str, seed: int) -> random.Random:
    return random.Random(seed + stable_hash(workspace_name))


def ulid(ms: int, rng: random.Random) -> str:
    """A ULID (the format Incident.io uses): 48-bit milliseconds then 80 random bits.

    26 Crockford base-32 digits, encoded two at a time (10 bits) from a table: ~1 µs each, which
    matters when a benchmark asks for 100k incidents."""
    value = (ms << 80) | rng.getrandbits(80)
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


@dataclass(frozen=True)
class TimestampDef:
    role: str
    id: str
    name: str
    rank: int


@dataclass(frozen=True)
class WorkspaceSetup:
    workspace: Workspace
    org_slug: str
    slack_team_id: str
    people: tuple[dict[str, Any], ...]
    services: tuple[dict[str, Any], ...]
    timestamps: tuple[TimestampDef, ...]
    services_field: dict[str, Any]
    impact_field: dict[str, Any]
    metrics: tuple[dict[str, str], ...]

    def timestamp_name(self, role: str) -> str | None:
        return next((t.name for t in self.timestamps if t.role == role), None)


_SETUP_MS = 1_698_139_642_668  # 2023-10-24T09:27:22.668Z, when the sample account was created


def build_setup(ws: Workspace, rng: random.Random) -> WorkspaceSetup:
    renamed = {
        "detected": ws.detected_timestamp,
        "fixed": ws.fixed_timestamp,
        "resolved": ws.resolved_timestamp,
        "closed": ws.closed_timestamp,
    }
    configured = {name for name in renamed.values() if name}
    timestamps = []
    for role, default, rank in catalog.TIMESTAMP_ROLES:
        name = renamed.get(role, default)
        # A role the account does not have (companyc has no "Fixed at"), or a default whose name
        # the account reuses for a configured role, is simply not defined.
        if name is None or (role not in renamed and name in configured):
            continue
        timestamps.append(TimestampDef(role, ulid(_SETUP_MS, rng), name, rank))

    domain = f"{ws.name}.example"
    people, seen = [], set()
    while len(people) < PEOPLE_PER_WORKSPACE:
        first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        people.append(
            {
                "email": f"{first.lower()}.{last.lower()}@{domain}",
                "id": ulid(_SETUP_MS + len(people), rng),
                "name": f"{first} {last}",
                "slack_user_id": "U0" + ulid(0, rng)[-9:],
            }
        )
    services = tuple(
        {
            "aliases": [],
            "external_id": "svc-" + name.lower().replace(" ", "-"),
            "id": ulid(_SETUP_MS, rng),
            "name": name,
        }
        for name in catalog.SERVICES
    )
    services_field = {
        "description": "The services (from the Service catalog) affected by this incident.",
        "field_type": "multi_select",
        "id": ulid(_SETUP_MS, rng),
        "name": "Affected services",
        "options": [],
    }
    impact_id = ulid(_SETUP_MS, rng)
    impact_field = {
        "description": "Categorise incidents by the type of impact.",
        "field_type": "single_select",
        "id": impact_id,
        "name": "Impact",
        "options": [
            {"custom_field_id": impact_id, "id": ulid(_SETUP_MS, rng), "sort_key": i, "value": v}
            for i, v in enumerate(catalog.IMPACT_OPTIONS)
        ],
    }
    metrics = tuple(
        {"id": ulid(_SETUP_MS, rng), "name": name} for name in ("Lasted", "Time to fix")
    )
    if not ws.fixed_timestamp:  # "Time to fix" needs a fixed timestamp to measure to
        metrics = metrics[:1]
    return WorkspaceSetup(
        workspace=ws,
        org_slug=f"{ws.name}-{ulid(0, rng)[-6:].lower()}",
        slack_team_id="T0" + ulid(0, rng)[-9:],
        people=tuple(people),
        services=services,
        timestamps=tuple(timestamps),
        services_field=services_field,
        impact_field=impact_field,
        metrics=metrics,
    )
