"""Random sequences of raw loads, in the orders operations produce them, for the property that an
incremental dbt build equals a full refresh of the same raw data (test_incremental_exact.py and
the emulator's twin).

A seeded `random.Random` draws a universe of incidents (three workspaces, ~4 months) and AI usage
(four tools, eight engineers), then a sequence of steps, each one load through the product's
stage-and-merge `WarehouseResource.merge` (so `_loaded_at` is stamped as in production):

- recent:       the newest incidents and AI days, as the hourly and daily jobs load them;
- backfill:     one workspace's incidents of an old week, and one tool's old week of usage (a
                backfill after an outage, or the first load of a new workspace), with their old
                updated_at / _extracted_at;
- late_edit:    incidents already loaded, edited later (severity changed, resolved, services
                changed) with an updated_at that is still days older than the newest row;
- unreportable: incidents already loaded turning declined / merged / canceled / test;
- ai_revise:    AI days already loaded, re-extracted with other numbers, and an identity that
                got resolved (its engineer_key changes, so the old key must disappear).

Every sequence starts with `recent` and holds every other kind at least once, in a random order.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ops_metrics.ai_tools.usage import table_spec as usage_spec
from ops_metrics.incident_io.rows import table_spec as incident_spec
from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.warehouse.base import WarehouseResource
from ops_metrics.warehouse.table import LOAD_LOG

KINDS = ("backfill", "late_edit", "unreportable", "ai_revise")
SEVERITIES = ("Critical", "Major", "Minor", None)
SERVICES = {
    "api": {"id": "svc-api", "name": "Public API", "external_id": "api"},
    "db": {"id": "svc-db", "name": "Primary DB", "external_id": "postgres-main"},
    "web": {"id": "svc-web", "name": "Web app", "external_id": None},
}
UNREPORTABLE = (
    {"status_category": "declined"},
    {"status_category": "merged"},
    {"status_category": "canceled"},
    {"mode": "test"},
)
AI_TOOLS = ("llm_gateway", "claude_code", "cursor", "github_copilot")
ENGINEERS = tuple(f"engineer{n}@example.com" for n in range(8))
HISTORY_DAYS = 120


@dataclass
class Universe:
    now: datetime
    rng: random.Random
    incidents: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    loaded: dict[str, set[str]] = field(default_factory=dict)
    usage: dict[tuple[str, date, str], dict[str, Any]] = field(default_factory=dict)
    usage_loaded: set[tuple[str, date, str]] = field(default_factory=set)

    # -- incidents -------------------------------------------------------------------------

    def _incident(self, workspace: str, n: int) -> dict[str, Any]:
        rng = self.rng
        created = self.now - timedelta(
            days=rng.uniform(1, HISTORY_DAYS), minutes=rng.randint(0, 59)
        )
        detected = created + timedelta(minutes=rng.choice((-120, 5, 10, 30)))
        # Open incidents are old enough to be past every SLO target, so a full refresh run
        # seconds after the incremental build never gives a different verdict.
        is_open = rng.random() < 0.15 and created < self.now - timedelta(days=4)
        resolved = None if is_open else detected + timedelta(hours=rng.choice((1, 3, 5, 30, 80)))
        row = {
            "id": f"01{workspace[-1].upper()}{n:04d}",
            "reference": f"INC-{n}",
            "name": f"Incident {n}",
            "created_at": created,
            "status": "Closed" if resolved else "Live",
            "status_category": "closed" if resolved else "live",
            "mode": rng.choice(("standard", "standard", "standard", "retrospective")),
            "visibility": "public",
            "severity": rng.choice(SEVERITIES),
            "incident_type": "Default",
            "lead_email": f"lead{rng.randint(0, 3)}@example.com",
            "reporter_email": "reporter@example.com",
            "services": rng.sample(sorted(SERVICES), rng.randint(0, 2)),
            "detected_at": detected,
            "fixed_at": None if resolved is None or workspace == "companyc" else resolved,
            "resolved_at": resolved,
            "closed_at": resolved,
        }
        row["updated_at"] = max(t for t in (created, detected, resolved) if t)
        return row

    def incident_row(self, workspace: str, row: dict[str, Any]) -> dict[str, Any]:
        """The raw row (ingestion's columns) of an incident's current version."""
        rank = {"Critical": 1, "Major": 2, "Minor": 3}

        def secs(a: datetime | None, b: datetime | None) -> float | None:
            return None if a is None or b is None else (b - a).total_seconds()

        return {
            **{k: v for k, v in row.items() if k != "services"},
            "severity_rank": rank.get(row["severity"] or ""),
            "affected_services": json.dumps([SERVICES[s] for s in row["services"]]),
            "ttd_sec": secs(row["created_at"], row["detected_at"]),
            "ttr_sec": secs(row["detected_at"], row["resolved_at"]),
            "tts_sec": secs(row["created_at"], row["resolved_at"]),
            "payload": json.dumps({"id": row["id"], "lead": row["lead_email"]}),
        }

    # -- AI usage --------------------------------------------------------------------------

    def _usage(self, tool: str, day: date, engineer: str) -> dict[str, Any]:
        rng = self.rng
        requests = rng.randint(1, 400)
        reported = tool in ("llm_gateway", "claude_code")
        tokens = requests * rng.choice((900, 2500, 7000)) if reported else requests * 7500
        # Some identities arrive unresolved (a login without an email), resolved later.
        resolved = rng.random() < 0.8
        return {
            "tool": tool,
            "usage_date": day,
            "engineer_identifier": engineer.split("@")[0],
            "engineer_email": engineer if resolved else None,
            "identity_resolved": resolved,
            "actor_type": "api" if engineer == ENGINEERS[-1] else "user",
            "requests": requests,
            "sessions": max(1, requests // 10),
            "accepted_lines": None if reported else requests * 3,
            "input_tokens": int(tokens * 0.8) if reported else None,
            "output_tokens": tokens - int(tokens * 0.8) if reported else None,
            "tokens_total": tokens,
            "tokens_estimated": not reported,
            "estimation_rule": "reported" if reported else f"{tool}_per_request",
            "cost_usd": round(tokens * 2e-6, 6) if reported else None,
            "payload": json.dumps({"user": engineer}),
            "_extracted_at": datetime.combine(day + timedelta(days=1), datetime.min.time()),
        }

    def build(self, per_workspace: int) -> None:
        for ws in WORKSPACES:
            self.incidents[ws.name] = {}
            self.loaded[ws.name] = set()
            for n in range(per_workspace):
                row = self._incident(ws.name, n)
                self.incidents[ws.name][row["id"]] = row
        today = self.now.date()
        for offset in range(1, HISTORY_DAYS):
            day = today - timedelta(days=offset)
            for tool in AI_TOOLS:
                for engineer in ENGINEERS:
                    if self.rng.random() < 0.55:
                        self.usage[(tool, day, engineer)] = self._usage(tool, day, engineer)


def to_the_microsecond(universe: Universe, seed: int) -> None:
    """Detection and resolution at any microsecond, as Incident.io's timestamps are, not whole
    minutes after creation (where SQL's epoch arithmetic happens to be exact)."""
    rng = random.Random(seed)
    for rows in universe.incidents.values():
        for row in rows.values():
            if row["detected_at"] is not None:
                row["detected_at"] += timedelta(microseconds=rng.randint(1, 999_999))
            if row["resolved_at"] is not None:
                resolved = row["resolved_at"] + timedelta(microseconds=rng.randint(1, 999_999))
                row["resolved_at"] = row["closed_at"] = resolved
                row["fixed_at"] = resolved if row["fixed_at"] is not None else None
            stamps = (row["created_at"], row["detected_at"], row["resolved_at"])
            row["updated_at"] = max(t for t in stamps if t)


@dataclass
class Step:
    kind: str
    incidents: dict[str, list[dict[str, Any]]]
    usage: dict[str, list[dict[str, Any]]]

    def describe(self) -> str:
        n_inc = sum(len(v) for v in self.incidents.values())
        n_use = sum(len(v) for v in self.usage.values())
        return f"{self.kind} ({n_inc} incidents, {n_use} usage rows)"


def _recent(u: Universe) -> Step:
    cutoff = u.now - timedelta(days=10)
    incidents = {
        ws: [r for i, r in rows.items() if r["created_at"] >= cutoff and i not in u.loaded[ws]]
        for ws, rows in u.incidents.items()
    }
    first_day = u.now.date() - timedelta(days=5)
    usage = [k for k in u.usage if k[1] >= first_day and k not in u.usage_loaded]
    return _step(u, "recent", incidents, usage)


def _backfill(u: Universe) -> Step:
    # The week (from a random instant) around an old incident not loaded yet, so a backfill always
    # brings incidents.
    old = sorted(
        (ws, i)
        for ws, rows in u.incidents.items()
        for i, r in rows.items()
        if i not in u.loaded[ws] and r["created_at"] < u.now - timedelta(days=20)
    )
    ws, anchor = u.rng.choice(old)
    start = u.incidents[ws][anchor]["created_at"] - timedelta(days=u.rng.uniform(0, 7))
    end = start + timedelta(days=7)
    rows = [
        r
        for i, r in u.incidents[ws].items()
        if start <= r["created_at"] < end and i not in u.loaded[ws]
    ]
    tool = u.rng.choice(AI_TOOLS)
    usage = [
        k
        for k in u.usage
        if k[0] == tool and start.date() <= k[1] < end.date() and k not in u.usage_loaded
    ]
    return _step(u, "backfill", {ws: rows}, usage)


def _loaded_sample(u: Universe, k: int) -> dict[str, list[dict[str, Any]]]:
    pool = sorted((ws, i) for ws, ids in u.loaded.items() for i in ids)
    picked: dict[str, list[dict[str, Any]]] = {}
    for ws, i in u.rng.sample(pool, min(k, len(pool))):
        picked.setdefault(ws, []).append(u.incidents[ws][i])
    return picked


def _late_edit(u: Universe) -> Step:
    picked = _loaded_sample(u, 6)
    for rows in picked.values():
        for row in rows:
            row["severity"] = u.rng.choice([s for s in SEVERITIES if s != row["severity"]])
            if row["resolved_at"] is None:
                row["resolved_at"] = row["closed_at"] = row["detected_at"] + timedelta(hours=2)
                row["status"], row["status_category"] = "Closed", "closed"
            row["services"] = u.rng.sample(sorted(SERVICES), u.rng.randint(0, 2))
            # Edited days after resolution, and still older than the newest incidents.
            row["updated_at"] = min(
                row["updated_at"] + timedelta(days=u.rng.uniform(1, 6)),
                u.now - timedelta(hours=1),
            )
    return _step(u, "late_edit", picked, [])


def _unreportable(u: Universe) -> Step:
    picked = _loaded_sample(u, 4)
    for rows in picked.values():
        for row in rows:
            row.update(u.rng.choice(UNREPORTABLE))
            row["status"] = row["status_category"].title()
            row["updated_at"] = min(row["updated_at"] + timedelta(hours=6), u.now)
    return _step(u, "unreportable", picked, [])


def _ai_revise(u: Universe) -> Step:
    keys = u.rng.sample(sorted(u.usage_loaded), min(8, len(u.usage_loaded)))
    for key in keys:
        row = u.usage[key]
        row["tokens_total"] = row["tokens_total"] * 2 + 1
        if row["input_tokens"] is not None:
            row["input_tokens"] = int(row["tokens_total"] * 0.8)
            row["output_tokens"] = row["tokens_total"] - row["input_tokens"]
        # Resolved on re-extraction: the row's engineer_key moves from tool:identifier to the
        # email's hash, and the old key's row must leave the marts.
        row["engineer_email"], row["identity_resolved"] = key[2], True
        row["_extracted_at"] = row["_extracted_at"] + timedelta(days=2)
    return _step(u, "ai_revise", {}, keys)


def _step(
    u: Universe,
    kind: str,
    incidents: dict[str, list[dict[str, Any]]],
    usage: list[tuple[str, date, str]],
) -> Step:
    for ws, rows in incidents.items():
        u.loaded[ws].update(r["id"] for r in rows)
    u.usage_loaded.update(usage)
    by_tool: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(usage):
        by_tool.setdefault(key[0], []).append(dict(u.usage[key]))
    return Step(
        kind,
        {ws: [u.incident_row(ws, r) for r in rows] for ws, rows in incidents.items() if rows},
        by_tool,
    )


BUILDERS = {
    "recent": _recent,
    "backfill": _backfill,
    "late_edit": _late_edit,
    "unreportable": _unreportable,
    "ai_revise": _ai_revise,
}


def sequence(
    seed: int, now: datetime, per_workspace: int = 40, extra_steps: int = 1
) -> tuple[list[str], Universe]:
    """The kinds of a sequence, and the universe its steps draw from (call `next_step`)."""
    rng = random.Random(seed)
    universe = Universe(now=now, rng=rng)
    universe.build(per_workspace)
    kinds = list(KINDS)
    rng.shuffle(kinds)
    kinds += [rng.choice(("recent", *KINDS)) for _ in range(extra_steps)]
    return ["recent", *kinds], universe


def next_step(universe: Universe, kind: str) -> Step:
    return BUILDERS[kind](universe)


def create_raw_tables(warehouse: WarehouseResource) -> None:
    """Every raw table of the registry, empty (dbt's sources read them all)."""
    for ws in WORKSPACES:
        warehouse.merge(incident_spec(ws), [], run_id="setup")
    for tool in TOOLS:
        warehouse.merge(usage_spec(tool), [], run_id="setup")


def load(warehouse: WarehouseResource, step: Step, run_id: str) -> None:
    """One step's rows through the product's stage-and-merge, each source's load logged in
    `raw.ingestion_loads` over the whole days its rows span, as the IO manager logs a partition
    window (the coverage marts read the log)."""
    by_name = {ws.name: ws for ws in WORKSPACES}
    for ws, rows in step.incidents.items():
        spec = incident_spec(by_name[ws])
        warehouse.merge(spec, [rows], run_id=run_id)
        _log(warehouse, by_name[ws].asset_key, [r["updated_at"] for r in rows], run_id)
    tools = {t.name: t for t in TOOLS}
    for tool, rows in step.usage.items():
        warehouse.merge(usage_spec(tools[tool]), [rows], run_id=run_id)
        days = [datetime.combine(r["usage_date"], datetime.min.time()) for r in rows]
        _log(warehouse, tools[tool].asset_key, days, run_id)


def _log(
    warehouse: WarehouseResource, key: list[str], moments: list[datetime], run_id: str
) -> None:
    if not moments:
        return
    start = datetime.combine(min(moments).date(), datetime.min.time())
    end = datetime.combine(max(moments).date() + timedelta(days=1), datetime.min.time())
    row = {
        "source": "/".join(key),
        "family": key[0],
        "window_start": start,
        "window_end": end,
        "rows_staged": len(moments),
        "loaded_at": datetime.now(),
    }
    warehouse.merge(LOAD_LOG, [[row]], run_id=run_id)
