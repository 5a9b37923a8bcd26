"""HTTP layer of the Incident.io simulator. Page building (`list_page`) is separate from HTTP so
ingestion tests and the fault-injection suite can reuse it or wrap the handlers."""

from __future__ import annotations

import threading
import uuid
from bisect import bisect_right
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators import credentials
from ops_metrics.simulators.http import Request, Response, bearer_token
from ops_metrics.simulators.incident_io.filters import ListQuery, ValidationError, parse_list_query
from ops_metrics.simulators.incident_io.rate_limit import (
    DEFAULT_LIMIT_PER_MINUTE,
    OPTION_KEY,
    RateLimiter,
)
from ops_metrics.simulators.incident_io.universe import IncidentUniverse, incident_universe, to_ms
from ops_metrics.simulators.options import rate_limit_per_minute, rate_now

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

_match_cache: OrderedDict[tuple[object, ...], list[int]] = OrderedDict()
_cache_lock = threading.Lock()


def error_body(
    status: int, type_: str, code: str, message: str, field: str | None = None
) -> dict[str, Any]:
    """The documented error shape: {type, status, request_id, errors: [{code, message, source?}]}."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["source"] = {"field": field}
    return {"type": type_, "status": status, "request_id": str(uuid.uuid4()), "errors": [error]}


def _matches(universe: IncidentUniverse, query: ListQuery, now_ms: int) -> list[int]:
    """Positions (in API order) of the incidents matching the query at now. Cached per exact now,
    so paging under a fixed clock is O(page) after the first page."""
    cache_key = (universe, query.key, query.modes, now_ms)
    with _cache_lock:
        if cache_key in _match_cache:
            _match_cache.move_to_end(cache_key)
            return _match_cache[cache_key]
    incidents, modes, predicates = universe.incidents, query.modes, query.predicates
    found = [
        n
        for n in range(universe.first_visible(now_ms), len(incidents))
        if incidents[n].mode in modes and all(p(incidents[n], now_ms) for p in predicates)
    ]
    with _cache_lock:
        _match_cache[cache_key] = found
        while len(_match_cache) > 32:
            _match_cache.popitem(last=False)
    return found


def list_page(universe: IncidentUniverse, query: ListQuery, now: datetime | int) -> dict[str, Any]:
    """The `GET /v2/incidents` body for one page. Order is created_at desc then id desc over the
    whole universe, so an `after` cursor stays valid even if its incident no longer matches."""
    now_ms = now if isinstance(now, int) else to_ms(now)
    found = _matches(universe, query, now_ms)
    start = 0
    if query.after is not None:
        position = universe.position(query.after)
        if position is None:
            raise ValidationError("after", f"after: no incident with id {query.after!r}")
        start = bisect_right(found, position)
    chosen = found[start : start + query.page_size]
    meta: dict[str, Any] = {"page_size": query.page_size, "total_record_count": len(found)}
    if chosen and start + len(chosen) < len(found):  # omitted on the last page
        meta["after"] = universe.incidents[chosen[-1]].id
    return {
        "incidents": [universe.payload(universe.incidents[n], now_ms) for n in chosen],
        "pagination_meta": meta,
    }


class IncidentApi:
    """Handlers for one simulator instance: API key -> workspace, rate limit, then the page."""

    def __init__(self, options: SimulatorOptions, limiter: RateLimiter | None = None) -> None:
        self.options = options
        self.limiter = limiter or RateLimiter(
            rate_limit_per_minute(options, OPTION_KEY, DEFAULT_LIMIT_PER_MINUTE)
        )
        self.key_to_workspace = {key: ws for ws, key in credentials.INCIDENT_IO_KEYS.items()}

    def _admit(self, request: Request) -> tuple[IncidentUniverse, datetime] | Response:
        token = bearer_token(request)
        if token is None:
            body = error_body(
                401,
                "authentication_error",
                "missing_authorization_material",
                "No authorization material provided in request",
            )
            return Response.json(body, 401)
        workspace = self.key_to_workspace.get(token)
        if workspace is None:
            body = error_body(
                401, "authentication_error", "invalid_authorization_material", "Invalid API key"
            )
            return Response.json(body, 401)
        now = self.options.clock()
        rejection = self.limiter.check(token, rate_now(self.options))
        if rejection is not None:
            body = error_body(
                429,
                "too_many_requests",
                "too_many_requests",
                "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
            )
            body["rate_limit"] = rejection.body_fragment(f"{workspace} simulator key")
            headers = {"Retry-After": str(rejection.retry_after_seconds)}
            return Response.json(body, 429, headers)
        return incident_universe(workspace, self.options), now

    def list_incidents(self, request: Request) -> Response:
        admitted = self._admit(request)
        if isinstance(admitted, Response):
            return admitted
        universe, now = admitted
        try:
            return Response.json(list_page(universe, parse_list_query(request.query), now))
        except ValidationError as exc:
            body = error_body(422, "validation_error", exc.code, exc.message, exc.field)
            return Response.json(body, 422)

    def show_incident(self, request: Request) -> Response:
        admitted = self._admit(request)
        if isinstance(admitted, Response):
            return admitted
        universe, now = admitted
        position = universe.position(request.path_params["id"])
        now_ms = to_ms(now)
        if position is None or universe.incidents[position].created > now_ms:
            body = error_body(404, "not_found", "not_found", "Incident not found")
            return Response.json(body, 404)
        return Response.json({"incident": universe.payload(universe.incidents[position], now_ms)})
