"""Static reference data shared by every simulated workspace.

Severity and status objects are copied from real payloads (incident_io_*.sample.json) so that
ids, ranks and categories look exactly like a fresh Incident.io account's defaults.
"""

from __future__ import annotations

from typing import Any

_SETUP = "2023-10-24T09:27:22.668Z"

# Order matters: the index is what an incident stores, the rank is what the API exposes.
SEVERITIES: tuple[dict[str, Any], ...] = (
    {
        "created_at": _SETUP,
        "description": "Issues with low impact, which can usually be handled within working hours. Most customers are unlikely to notice any problems. Examples include a slight drop in application performance.",
        "id": "01HDGG56RY7KJ0AH2KXWK9BFP4",
        "name": "Minor",
        "rank": 0,
        "updated_at": _SETUP,
    },
    {
        "created_at": "2023-10-24T09:27:22.679Z",
        "description": "Issues causing significant impact. Immediate response is usually required. We might have some workarounds that mitigate the impact on customers. Examples include an important sub-system failing.",
        "id": "01HDGG56RYJFS2YQXSWHQB29AG",
        "name": "Major",
        "rank": 1,
        "updated_at": "2023-10-24T09:27:22.679Z",
    },
    {
        "created_at": "2023-10-24T09:27:22.687Z",
        "description": "Issues causing very high impact to customers. Immediate response is required. Examples include a full outage, or a data breach.",
        "id": "01HDGG56RYK59Z4NRGJFK229WA",
        "name": "Critical",
        "rank": 2,
        "updated_at": "2023-10-24T09:27:22.687Z",
    },
)
SEVERITY_BY_ID = {s["id"]: i for i, s in enumerate(SEVERITIES)}


def _status(category: str, sid: str, name: str, rank: int, desc: str) -> dict[str, Any]:
    return {
        "category": category,
        "created_at": "2023-10-24T09:27:22.72Z",
        "description": desc,
        "id": sid,
        "name": name,
        "rank": rank,
        "updated_at": "2023-12-12T13:13:37.495Z",
    }


STATUSES: dict[str, dict[str, Any]] = {
    "triage": _status("triage", "01HDGG56RYFK1BSZ4VSKF177VD", "Triage", 0, " "),
    "investigating": _status(
        "live",
        "01HDGG56RYC3TTGQWKA8ZRTFZX",
        "Investigating",
        1,
        "We've spotted that something is wrong, but we're not quite sure why yet.",
    ),
    "fixing": _status(
        "live",
        "01HDGG56RY089GN4S01KWXBE07",
        "Fixing",
        2,
        "Something has gone wrong, and we know why. We're in the process of fixing it.",
    ),
    "monitoring": _status(
        "live",
        "01HDGG56RYY3F04W0QJ4YEGFH8",
        "Monitoring",
        3,
        "We've tried to fix the issue, and we're waiting to see if our fix has worked.",
    ),
    "documenting": _status(
        "learning",
        "01HDGG56RYD5RS3B6EAQBRJQDX",
        "Documenting",
        4,
        "We're documenting what happened.",
    ),
    "reviewing": _status(
        "learning",
        "01HDGG56RYBBV7MT6KFHQ82HCD",
        "Reviewing",
        5,
        "We're reviewing what we've learned from this incident.",
    ),
    "closed": _status(
        "closed",
        "01HDGG56RYR2HATMM7R2TS6YJQ",
        "Closed",
        6,
        "We're confident the issue is resolved.",
    ),
    "paused": _status("paused", "01HNWS4V2HEJB9Z81XWPP3XPAS", "Paused", 7, " "),
    "declined": _status("declined", "01HDGG56RYQ3QR7T1XRGSTVDKQ", "Declined", -1, " "),
    "merged": _status("merged", "01HDGG56RYG1QB36T5Q1262ZMW", "Merged", -2, " "),
    "canceled": _status("canceled", "01HDGG56RYC30NDNG8FP7R1E71", "Canceled", -3, " "),
}
STATUS_CATEGORIES = frozenset(s["category"] for s in STATUSES.values())
STATUS_BY_ID = {s["id"]: key for key, s in STATUSES.items()}
MODES = ("standard", "retrospective", "test", "tutorial")
DEFAULT_MODES = frozenset({"standard", "retrospective"})

INCIDENT_TYPES: tuple[dict[str, Any], ...] = tuple(
    {
        "create_in_triage": triage,
        "created_at": "2023-10-24T09:27:23.104Z",
        "description": desc,
        "id": tid,
        "is_default": tid.endswith("KKY"),
        "name": name,
        "private_incidents_only": False,
        "updated_at": "2025-04-24T14:06:39.439Z",
    }
    for tid, name, triage, desc in (
        ("01HDGG56RYQBPJ6WQ3RZRKNKKY", "Default", "optional", ""),
        ("01HE2XW3Q8B3C6FZ4G9VJ0MT7N", "Production outage", "always", "Customer facing outages"),
        ("01HE2XW3Q8K4TZ1N6R8W2DPS5A", "Security", "optional", "Security incidents"),
    )
)
INCIDENT_TYPE_BY_ID = {t["id"]: i for i, t in enumerate(INCIDENT_TYPES)}

SERVICES = (
    "Checkout API", "Payments", "Search", "Identity", "Notifications", "Mobile Backend",
    "Web Frontend", "Data Pipeline", "Billing", "Inventory", "Shipping", "Recommendations",
    "Public API Gateway", "Internal Admin", "Kafka Platform",
)  # fmt: skip

SYMPTOMS = (
    "elevated 5xx errors", "increased latency", "partial outage", "full outage",
    "degraded performance", "failed deployments", "stale data", "login failures",
    "queue backlog", "certificate expiry", "database failover", "memory leak",
    "suspected security breach",
)  # fmt: skip

IMPACT_OPTIONS = ("Full production outage", "Partial production outage", "Degraded service/performance", "Increased errors", "Near miss")  # fmt: skip

FIRST_NAMES = (
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemal", "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Arjun", "Beatriz", "Chen", "Dara",
)  # fmt: skip
LAST_NAMES = (
    "Anders", "Brooks", "Castillo", "Dubois", "Eriksen", "Fischer", "Gupta", "Haddad", "Ito",
    "Jansen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
    "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
)  # fmt: skip

# Timestamp roles in display order with the account defaults' names and ranks. The roles the
# registry configures (detected/fixed/resolved/closed) are renamed per workspace.
TIMESTAMP_ROLES: tuple[tuple[str, str, int], ...] = (
    ("reported", "Reported at", 0),
    ("accepted", "Accepted at", 1),
    ("declined", "Declined at", 2),
    ("merged", "Merged at", 3),
    ("canceled", "Canceled at", 4),
    ("resolved", "Resolved at", 5),
    ("detected", "Impact started at", 6),
    ("fixed", "Fixed at", 8),
    ("documented", "Documented at", 9),
    ("reviewed", "Reviewed at", 10),
    ("closed", "Closed at", 12),
)
