"""Incident.io v2 simulator: `GET /v2/incidents` and `GET /v2/incidents/{id}`, one account per
registry workspace, selected by the API key `sim-incident-io-<workspace>`.

Public interface:

- `register(router, options)`: add the routes to a Router (what `app.build_app` calls).
- `incident_universe(workspace_name, options) -> IncidentUniverse`: the ground truth. The same
  cached object the API serves from, deterministic for (workspace, options.seed,
  options.incidents_per_workspace). Use it in tests instead of re-implementing the simulator:
    - `.visible(now, modes=DEFAULT_MODES) -> list[dict]`: every payload `GET /v2/incidents`
      (no filters, default mode filter) would serve at `now`, in API order (created_at desc,
      then id desc);
    - `.visible_incidents(now, modes)` / `.incidents`: the underlying `SimIncident` records, whose
      `status_at(ms)`, `severity_at(ms)`, `updated_at(ms)` and `timestamp_at(role, ms)` give the
      state at any moment (ms since the epoch, see `to_ms`);
    - `.payload(incident, now)`: one incident's JSON at `now`; `.setup` holds the workspace's
      people, service catalog and timestamp definitions (names from the registry).
- `list_page(universe, query, now)` and `parse_list_query(request.query) -> ListQuery`: the page
  builder without HTTP (raises `ValidationError(field, message)` for a 422), and `IncidentApi`,
  whose `list_incidents` / `show_incident` handlers a fault-injection layer can wrap.

Filters read as the OpenAPI spec documents them: `updated_at[gte|lte]` / `created_at[...]` take
dates, a date being its midnight UTC (`lte=2021-01-02` is "on or before 2021-01-02T00:00:00Z"); a
timestamp's time of day is ignored, as by an API that reads only the date part.

Options: `options.clock()` is "now" for data and rate limiting; `options.extra
["incident_io_rate_limit_per_minute"]` overrides the 1,200 requests/min limit per key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops_metrics.simulators.incident_io.api import IncidentApi, error_body, list_page
from ops_metrics.simulators.incident_io.catalog import DEFAULT_MODES
from ops_metrics.simulators.incident_io.filters import ListQuery, ValidationError, parse_list_query
from ops_metrics.simulators.incident_io.lifecycle import SimIncident
from ops_metrics.simulators.incident_io.universe import IncidentUniverse, incident_universe, to_ms

if TYPE_CHECKING:
    from ops_metrics.simulators.http import Router
    from ops_metrics.simulators.options import SimulatorOptions

__all__ = [
    "DEFAULT_MODES",
    "IncidentApi",
    "IncidentUniverse",
    "ListQuery",
    "SimIncident",
    "ValidationError",
    "error_body",
    "incident_universe",
    "list_page",
    "parse_list_query",
    "register",
    "to_ms",
]


def register(router: Router, options: SimulatorOptions) -> IncidentApi:
    """Add the Incident.io routes. Each call gets its own rate-limit state."""
    api = IncidentApi(options)
    router.add("GET", "/v2/incidents", api.list_incidents)
    router.add("GET", "/v2/incidents/{id}", api.show_incident)
    return api
