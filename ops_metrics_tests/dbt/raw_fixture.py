"""Hand-made raw tables for the dbt tests, until the ingestion pipeline can produce them.

Creates `raw.incident_io__<workspace>__incidents` and `raw.ai_tools__<tool>__daily_usage` in a
DuckDB file with the column types of docs/architecture.md, and rows chosen for the cases the
marts must handle: a retrospective incident with negative TTD, declined / merged / canceled /
test incidents, an id shared by two workspaces, companyc with no fix timestamp, a duplicate raw
version, unresolved AI identities, estimated vs reported tokens, and PII in every email and
payload column. Timestamps are relative to `now` so source freshness passes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from ops_metrics.registry import TOOLS, WORKSPACES

# The marts the tests compare across builds (snapshots, late updates, crash recovery): every
# kind of materialisation this fixture's rows reach, incremental and table.
MARTS = (
    "fct_ops__incidents",
    "bridge_ops__incident_service",
    "fct_ops__mttr_weekly",
    "fct_ai_telemetry__tool_daily_metrics",
    "fct_ai_telemetry__weekly_eng_ai_tokens",
)
# A mart's data columns: all but dbt's own build time (`_dbt_built_at` on incremental tables,
# macros/incremental.sql), which differs between two builds of the same data by design.
MART_COLUMNS = "columns(lambda c: c <> '_dbt_built_at')"

INCIDENT_COLUMNS = {
    "id": "VARCHAR",
    "reference": "VARCHAR",
    "name": "VARCHAR",
    "created_at": "TIMESTAMP",
    "updated_at": "TIMESTAMP",
    "status": "VARCHAR",
    "status_category": "VARCHAR",
    "mode": "VARCHAR",
    "visibility": "VARCHAR",
    "severity": "VARCHAR",
    "severity_rank": "BIGINT",
    "incident_type": "VARCHAR",
    "lead_email": "VARCHAR",
    "reporter_email": "VARCHAR",
    "affected_services": "JSON",
    "detected_at": "TIMESTAMP",
    "fixed_at": "TIMESTAMP",
    "resolved_at": "TIMESTAMP",
    "closed_at": "TIMESTAMP",
    "ttd_sec": "DOUBLE",
    "ttr_sec": "DOUBLE",
    "tts_sec": "DOUBLE",
    "payload": "JSON",
    "_loaded_at": "TIMESTAMP",
    "_run_id": "VARCHAR",
}

USAGE_COLUMNS = {
    "tool": "VARCHAR",
    "usage_date": "DATE",
    "engineer_identifier": "VARCHAR",
    "engineer_email": "VARCHAR",
    "identity_resolved": "BOOLEAN",
    "actor_type": "VARCHAR",
    "requests": "BIGINT",
    "sessions": "BIGINT",
    "accepted_lines": "BIGINT",
    "input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "tokens_total": "BIGINT",
    "tokens_estimated": "BOOLEAN",
    "estimation_rule": "VARCHAR",
    "cost_usd": "DOUBLE",
    "payload": "JSON",
    "_extracted_at": "TIMESTAMP",
    "_loaded_at": "TIMESTAMP",
    "_run_id": "VARCHAR",
}

SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3}
SERVICES = {
    "api": {"id": "svc-api", "name": "Public API", "external_id": "api"},
    "db": {"id": "svc-db", "name": "Primary DB", "external_id": "postgres-main"},
    "web": {"id": "svc-web", "name": "Web app", "external_id": None},
}
# The late update scenario: resolved 8 days before `now`, edited 6 days after resolution.
LATE_UPDATE_ID = "01LATE"
# Becomes "merged" in apply_late_updates, so it must leave fct_ops__incidents.
LATER_MERGED_ID = "01BMERGE"


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def incident(
    now: datetime,
    id: str,
    ref: int,
    *,
    created_days_ago: float,
    category: str = "closed",
    mode: str = "standard",
    severity: str | None = "SEV2",
    detect_min: float | None = 10,
    fix_min: float | None = 60,
    resolve_min: float | None = 120,
    close_min: float | None = None,
    updated_min: float | None = None,
    services: tuple[str, ...] = ("api",),
    lead: str | None = "Alice.Lead@Example.com ",
) -> dict[str, Any]:
    """A raw incident row; offsets are minutes after created_at (negative detect = retrospective)."""
    created = now - timedelta(days=created_days_ago)

    def at(minutes: float | None) -> datetime | None:
        return None if minutes is None else created + timedelta(minutes=minutes)

    detected, fixed, resolved, closed = at(detect_min), at(fix_min), at(resolve_min), at(close_min)
    resolved = resolved or closed  # raw already falls back to closed_at
    updated = at(updated_min) or max(t for t in (created, detected, fixed, resolved, closed) if t)
    reporter = "reporter.person@example.com"
    return {
        "id": id,
        "reference": f"INC-{ref}",
        "name": f"Incident {ref}",
        "created_at": created,
        "updated_at": updated,
        "status": category.title(),
        "status_category": category,
        "mode": mode,
        "visibility": "public",
        "severity": severity,
        "severity_rank": SEVERITY_RANK.get(severity or ""),
        "incident_type": "Default",
        "lead_email": lead,
        "reporter_email": reporter,
        "affected_services": json.dumps([SERVICES[s] for s in services]),
        "detected_at": detected,
        "fixed_at": fixed,
        "resolved_at": resolved,
        "closed_at": closed,
        "ttd_sec": _seconds(created, detected),
        "ttr_sec": _seconds(detected, resolved),
        "tts_sec": _seconds(created, resolved),
        "payload": json.dumps({"id": id, "incident_role_assignments": [{"email": lead}]}),
        "_loaded_at": now,
        "_run_id": "fixture",
    }


def incident_rows(now: datetime) -> dict[str, list[dict[str, Any]]]:
    def inc(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return incident(now, *args, **kwargs)

    return {
        "companya": [
            inc("01A1", 1, created_days_ago=20, severity="SEV1", services=("api", "db")),
            # Retrospective: declared 3 hours after impact started -> negative TTD and TTS.
            inc(
                "01A2",
                2,
                created_days_ago=15,
                mode="retrospective",
                detect_min=-180,
                resolve_min=-60,
            ),
            inc("01A3", 3, created_days_ago=12, category="declined", resolve_min=None),
            inc(
                "01A4",
                4,
                created_days_ago=1,
                category="live",
                severity=None,
                fix_min=None,
                resolve_min=None,
            ),
            inc(LATE_UPDATE_ID, 5, created_days_ago=8.2, category="learning", severity="SEV3"),
            inc("01A6", 6, created_days_ago=3, mode="test"),
            inc("01SHARED", 7, created_days_ago=9, severity="SEV1", services=("web",)),
        ],
        "companyb": [
            inc("01B1", 1, created_days_ago=16, category="learning", services=("db", "db")),
            inc("01B2", 2, created_days_ago=10, category="merged"),
            # Same id as a companya incident: incident_key must keep them apart.
            inc("01SHARED", 3, created_days_ago=4, severity="SEV3", lead="bob.lead@example.com"),
            inc(LATER_MERGED_ID, 4, created_days_ago=2, category="live", resolve_min=None),
            inc(
                "01B5",
                5,
                created_days_ago=0.5,
                category="triage",
                detect_min=None,
                fix_min=None,
                resolve_min=None,
                services=(),
            ),
        ],
        # companyc has no fix timestamp; resolved_at comes from closed_at.
        "companyc": [
            inc("01C1", 1, created_days_ago=14, fix_min=None, resolve_min=None, close_min=300),
            # An older raw version of 01C1 (staging keeps the latest).
            {
                **inc(
                    "01C1", 1, created_days_ago=14, category="live", fix_min=None, resolve_min=None
                ),
                "updated_at": now - timedelta(days=14),
            },
            inc("01C2", 2, created_days_ago=6, category="canceled", fix_min=None),
            inc(
                "01C3",
                3,
                created_days_ago=5,
                category="paused",
                fix_min=None,
                resolve_min=None,
                severity="SEV1",
            ),
            inc(
                "01C4",
                4,
                created_days_ago=2,
                fix_min=None,
                resolve_min=None,
                close_min=45,
                services=("api", "web"),
            ),
        ],
    }


ENGINEERS = ("alice@example.com", "Bob@Example.com", "carol@example.com")


def usage(
    now: datetime,
    tool: str,
    day: date,
    identifier: str,
    email: str | None,
    *,
    requests: int,
    tokens: int | None = None,
    lines: int | None = None,
    actor_type: str = "user",
) -> dict[str, Any]:
    """A raw usage row; tokens given = reported, else estimated from requests or lines."""
    if tokens is not None:
        total, rule, estimated = tokens, "reported", False
    elif lines is not None:
        total, rule, estimated = lines * 15, "accepted_lines", True
    else:
        total, rule, estimated = requests * 7500, f"{tool}_per_request", True
    return {
        "tool": tool,
        "usage_date": day,
        "engineer_identifier": identifier,
        "engineer_email": email,
        "identity_resolved": email is not None,
        "actor_type": actor_type,
        "requests": requests,
        "sessions": max(1, requests // 5),
        "accepted_lines": lines,
        "input_tokens": None if estimated else int(total * 0.8),
        "output_tokens": None if estimated else total - int(total * 0.8),
        "tokens_total": total,
        "tokens_estimated": estimated,
        "estimation_rule": rule,
        "cost_usd": None if estimated else round(total * 2e-6, 6),
        "payload": json.dumps({"user": identifier, "email": email}),
        "_extracted_at": now - timedelta(hours=1),
        "_loaded_at": now,
        "_run_id": "fixture",
    }


def usage_rows(now: datetime) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TOOLS}
    today = now.date()
    for offset in range(1, 15):
        day = today - timedelta(days=offset)
        for n, email in enumerate(ENGINEERS):
            if (offset + n) % 3 == 0:
                continue  # quiet days, so the weekly spine has gaps to fill
            k = offset + 3 * n
            rows["llm_gateway"].append(
                usage(
                    now,
                    "llm_gateway",
                    day,
                    f"key-{email.split('@')[0].lower()}",
                    email,
                    requests=k,
                    tokens=1000 * k,
                )
            )
            rows["claude_code"].append(usage(now, "claude_code", day, email, email, requests=k))
            rows["cursor"].append(
                usage(now, "cursor", day, email.lower(), email, requests=k, lines=10 * k)
            )
        # A Copilot login nobody could resolve; an unattributed OpenAI service key.
        rows["github_copilot"].append(
            usage(now, "github_copilot", day, "ghost-login", None, requests=3, lines=40)
        )
        rows["openai"].append(
            usage(
                now, "openai", day, "ci-bot-key", None, requests=50, tokens=90_000, actor_type="api"
            )
        )
    day = today - timedelta(days=2)
    rows["github_copilot"].append(
        usage(now, "github_copilot", day, "alice-gh", "alice@example.com", requests=8, lines=25)
    )
    rows["amp"].append(
        usage(now, "amp", day, "Bob@Example.com", "bob@example.com", requests=4, tokens=12_000)
    )
    rows["chat_assistant"].append(
        usage(now, "chat_assistant", day, "carol", "carol@example.com", requests=6, tokens=3_000)
    )
    return rows


def _create(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    cols = ", ".join(f"{name} {ctype}" for name, ctype in columns.items())
    con.execute(f"create or replace table raw.{table} ({cols})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(
            f"insert into raw.{table} values ({marks})", [[row[c] for c in columns] for row in rows]
        )


def create_raw_tables(path: Path, now: datetime) -> None:
    """Create every raw table of the registry in the DuckDB file at `path`."""
    incidents, usages = incident_rows(now), usage_rows(now)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        for ws in WORKSPACES:
            _create(con, ws.raw_table, INCIDENT_COLUMNS, incidents.get(ws.name, []))
        for tool in TOOLS:
            _create(con, tool.raw_table, USAGE_COLUMNS, usages.get(tool.name, []))


def apply_late_updates(path: Path, now: datetime) -> datetime:
    """Simulate a late-arriving load: LATE_UPDATE_ID is edited 6 days after its resolution
    (severity raised, closed) and LATER_MERGED_ID is merged. Returns the late update's time."""
    with duckdb.connect(str(path)) as con:
        resolved_at = con.execute(
            "select resolved_at from raw.incident_io__companya__incidents where id = ?",
            [LATE_UPDATE_ID],
        ).fetchone()[0]
        edited = resolved_at + timedelta(days=6)
        con.execute(
            """update raw.incident_io__companya__incidents
               set severity = 'SEV1', severity_rank = 1, status = 'Closed',
                   status_category = 'closed', closed_at = ?, updated_at = ?, _loaded_at = ?
               where id = ?""",
            [edited, edited, now, LATE_UPDATE_ID],
        )
        con.execute(
            """update raw.incident_io__companyb__incidents
               set status = 'Merged', status_category = 'merged', updated_at = ?, _loaded_at = ?
               where id = ?""",
            [now - timedelta(minutes=30), now, LATER_MERGED_ID],
        )
    return edited
