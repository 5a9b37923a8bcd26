"""Fault mode for the simulators: every vendor misbehaves the way real APIs do, deterministically.

`SimulatorOptions(faults=FaultPlan(...))` makes `build_app` install a `FaultInjector` as Router
middleware, so every vendor gets it. Two families:

- transient faults (429 with and without `Retry-After`, 429 whose HTTP-date comes from a skewed
  server clock, 500/502/503, connection resets, answers slower than the client's timeout,
  truncated JSON) are chosen from (seed, request fingerprint, attempt number): a retry of the same
  request is a new attempt, and attempt `max_consecutive` of a request is always served, so a
  client that retries enough always gets through;
- data faults on Incident.io list pages hit fixed records, chosen from (seed, kind, record id):
  a field that changes type, a required field that is NULL, new unknown fields, timestamps with
  offsets, the same record on two pages (the cursor steps back one), and (only when asked) a
  page that hands back the cursor it was asked for (a pagination loop).

`FaultInjector.injected` counts what was injected, by kind.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

from ops_metrics.simulators.http import Handler, Request, Response

TRANSIENT_KINDS = (
    "http_429",  # no Retry-After: the client backs off on its own
    "http_429_retry_after",
    "http_429_skewed_date",  # only the Incident.io body date, from a server clock 5 min behind
    "http_500",
    "http_502",
    "http_503",
    "reset",
    "slow",
    "truncated_json",
)
# Faults that change no loaded value: a faulty run must equal a clean one row for row.
BENIGN_DATA_KINDS = ("duplicate",)
# Faults the transformer must reject or report: type change, NULL required field, new fields,
# and offsets (same instant, other notation: the typed columns stay equal, the payload differs).
DATA_KINDS = ("type_change", "null_required", "unknown_field", "offset", "duplicate")
INCIDENTS_PATH = "/v2/incidents"
TYPE_CHANGE_FIELD = "severity"  # an object becomes a bare string
NULL_FIELD = "created_at"  # required by the model
UNKNOWN_FIELD = "x_beta_escalation_policy"
_OFFSETS = (timedelta(hours=5, minutes=30), timedelta(hours=-8), timedelta(hours=9))


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 0
    # Share of (request, attempt) pairs that fail transiently, among `kinds`.
    rate: float = 0.3
    kinds: tuple[str, ...] = TRANSIENT_KINDS
    # At most this many attempts in a row fail; the next is always served.
    max_consecutive: int = 2
    slow_seconds: float = 120.0  # longer than any client timeout in use
    retry_after_seconds: int = 0
    # Data faults (Incident.io list pages) and the share of records each one hits.
    data: tuple[str, ...] = ()
    data_rate: float = 0.05
    pagination_loop: bool = False
    # Paths never faulted. Empty: token endpoints fail too, and clients retry them like data.
    spare_paths: tuple[str, ...] = ()

    def transient_fault(self, fingerprint: str, attempt: int) -> str | None:
        """The fault for the `attempt`-th (0-based) time this exact request is made, or None."""
        if not self.kinds or attempt % (self.max_consecutive + 1) == self.max_consecutive:
            return None
        u, pick = _draw(self.seed, "transient", fingerprint, attempt)
        return self.kinds[pick % len(self.kinds)] if u < self.rate else None

    def hits(self, kind: str, record_id: str) -> bool:
        """Whether data fault `kind` hits this record (the same on every request and run)."""
        return kind in self.data and _draw(self.seed, kind, record_id)[0] < self.data_rate

    def rejected(self, record_id: str) -> bool:
        """Whether this record is served broken beyond coercion (the transformer must reject it)."""
        return self.hits("null_required", record_id) or self.hits("type_change", record_id)


PROFILES: dict[str, FaultPlan] = {
    "transient": FaultPlan(),
    # What the soak runs: everything that must leave the loaded data identical to a clean run.
    "soak": FaultPlan(data=BENIGN_DATA_KINDS),
    "data": FaultPlan(rate=0.0, data=DATA_KINDS),
    "all": FaultPlan(data=DATA_KINDS),
    "loop": FaultPlan(rate=0.0, pagination_loop=True),
}


def plan_from_profile(spec: str) -> FaultPlan:
    """`PROFILE` or `PROFILE:SEED`, e.g. `soak:7` (see PROFILES)."""
    name, _, seed = spec.partition(":")
    if name not in PROFILES:
        raise ValueError(f"unknown fault profile {name!r} (known: {', '.join(PROFILES)})")
    plan = PROFILES[name]
    return replace(plan, seed=int(seed)) if seed else plan


def _draw(seed: int, *parts: object) -> tuple[float, int]:
    digest = hashlib.sha256("|".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32, int.from_bytes(digest[4:8], "big")


def fingerprint(request: Request) -> str:
    """What makes two requests "the same" for retries: method, path, query, body and who asks."""
    who = hashlib.sha256((request.header("authorization") or "").encode()).hexdigest()[:12]
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query))
    return f"{request.method} {request.path}?{query} {request.body.decode(errors='replace')} {who}"


class FaultInjector:
    """Router middleware applying a FaultPlan; thread-safe (the loopback server is threaded)."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.injected: Counter[str] = Counter()
        self.requests = 0
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, request: Request, inner: Handler) -> Response:
        if request.path in self.plan.spare_paths:
            return inner(request)
        key = fingerprint(request)
        with self._lock:
            attempt = self._attempts[key]
            self._attempts[key] += 1
            self.requests += 1
        kind = self.plan.transient_fault(key, attempt)
        if kind is not None and kind.startswith("http_"):
            self._count(kind)
            return _error_response(kind, self.plan)
        if kind == "reset":
            self._count(kind)
            return Response(reset=True)
        response = inner(request)
        if request.path == INCIDENTS_PATH and response.status == 200:
            response = self._incident_page(request, response, inner)
        if kind == "slow":
            self._count(kind)
            response.delay = self.plan.slow_seconds
        elif kind == "truncated_json" and "json" in response.headers.get("Content-Type", ""):
            self._count(kind)
            cut = max(1, len(response.body) // 2)
            if response.body[cut - 1 : cut] == b"\n":
                cut -= 2  # mid-line: NDJSON cut at a line end would parse, short of records
            response.body = response.body[: max(1, cut)]
        return response

    def _count(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.injected[kind] += n

    def _incident_page(self, request: Request, response: Response, inner: Handler) -> Response:
        plan = self.plan
        if not plan.data and not plan.pagination_loop:
            return response
        body = json.loads(response.body)
        incidents: list[dict[str, Any]] = body.get("incidents", [])
        meta = body.setdefault("pagination_meta", {})
        for n, incident in enumerate(incidents):
            incidents[n] = self._break(incident)
        after = request.arg("after")
        if plan.pagination_loop and after is not None:
            # The cursor it was asked for, on a page that is never empty: forever the same page.
            shown = inner(replace(request, path=f"{INCIDENTS_PATH}/{after}", query=[]))
            if shown.status == 200:
                body["incidents"] = [json.loads(shown.body)["incident"]]
            meta["after"] = after
            self._count("pagination_loop")
        elif "duplicate" in plan.data and len(incidents) >= 2:
            # Step the cursor back one: the page's last record opens the next page too (on the
            # last page as well, which then gains a one-record page after it).
            meta["after"] = incidents[-2]["id"]
            self._count("duplicate")
        elif plan.pagination_loop and meta.get("after") is None and incidents:
            # A single page would never show the loop: claim there is more.
            meta["after"] = incidents[-1]["id"]
        return Response.json(body, response.status, {**response.headers})

    def _break(self, incident: dict[str, Any]) -> dict[str, Any]:
        plan, record_id = self.plan, str(incident.get("id"))
        if plan.hits("unknown_field", record_id):
            incident[UNKNOWN_FIELD] = {"id": f"pol_{record_id[-6:]}", "enabled": True}
            self._count("unknown_field")
        if plan.hits("offset", record_id):
            shift = _OFFSETS[_draw(plan.seed, "offset_tz", record_id)[1] % len(_OFFSETS)]
            for name in ("created_at", "updated_at"):
                incident[name] = _with_offset(incident[name], shift)
            self._count("offset")
        if plan.hits("type_change", record_id):
            severity = incident.get(TYPE_CHANGE_FIELD)
            incident[TYPE_CHANGE_FIELD] = (severity or {}).get("name") or "unknown"
            self._count("type_change")
        if plan.hits("null_required", record_id):
            incident[NULL_FIELD] = None
            self._count("null_required")
        return incident


def _with_offset(value: str | None, shift: timedelta) -> str | None:
    """The same instant written in another zone: `...Z` -> `...+05:30`."""
    if not value:
        return value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(timezone(shift)).isoformat()


def _error_response(kind: str, plan: FaultPlan) -> Response:
    status = int(kind.split("_")[1])
    body: dict[str, Any] = {"type": "simulated_fault", "status": status, "errors": [kind]}
    headers: dict[str, str] = {}
    if kind == "http_429_retry_after":
        headers["Retry-After"] = str(plan.retry_after_seconds)
    elif kind == "http_429_skewed_date":
        # Incident.io puts an HTTP date in the body; a server clock behind ours means "now".
        behind = datetime.now(UTC) - timedelta(minutes=5)
        body["rate_limit"] = {"retry_after": format_datetime(behind, usegmt=True)}
    return Response.json(body, status, headers)
