"""A stand-in Incident.io server that does no work per request: the client's floor.

The simulator renders every page per request (filters, lifecycle, JSON), which is slower than our
client consumes pages, so a benchmark against it measures the simulator. Here every page of
`GET /v2/incidents` is rendered once, before any client starts, and served as bytes:

- the incidents are real-shaped: the simulator's own payload code renders a few hundred
  incidents, which are then cloned with fresh ids, references and timestamps spread over one
  month (the window the product's backfill asks for), so every row is a distinct incident;
- paging follows the real API: `pagination_meta.after` is the last incident's id, omitted on the
  last page, and `?after=<id>` returns the next page. Query filters are not evaluated (every
  incident is in the month the client asks for); a `page_size` other than the rendered one is
  refused with 422, so a client that pages differently fails loudly instead of being mis-served.

`serve(pages)` serves them over loopback HTTP (HTTP/1.1 keep-alive, one thread per connection);
`PageTransport(pages)` is an httpx transport over the same bytes in memory, no socket at all.

`python -m benchmarks.fast_server --incidents N` prints `{"port": N}` once the pages are built
and stops when stdin closes (the runner holds the pipe), like `benchmarks.sim_server`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from benchmarks.common import emit
from benchmarks.sim_server import WORKSPACE, options
from ops_metrics.simulators.incident_io import incident_universe
from ops_metrics.simulators.incident_io.payload import iso
from ops_metrics.simulators.incident_io.universe import to_ms

API_KEY = "sim-incident-io-companya"  # the key the product sends in live mode (benchmark env)
PATH = "/v2/incidents"
PAGE_SIZE = 250  # IncidentExtractor.PAGE_SIZE: the API's maximum
# The month the product's benchmark backfill covers (hourly partitions of January 2026).
MONTH_START = datetime(2026, 1, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 2, 1, tzinfo=UTC)
PARTITION_RANGE = "2026-01-01-00:00...2026-01-31-23:00"
TEMPLATES = 400  # distinct simulator renderings the clones are made from
_FROZEN_AT = datetime(2027, 1, 2, tzinfo=UTC)  # sim_server's clock: every template settled


@dataclass(frozen=True)
class Pages:
    """Pre-rendered response bodies: page n is `bodies[n]`; `after` maps a cursor to its page."""

    bodies: list[bytes]
    after: dict[str, int]
    incidents: int
    page_size: int

    @property
    def total_bytes(self) -> int:
        return sum(len(b) for b in self.bodies)


def _templates(count: int) -> list[dict[str, Any]]:
    universe = incident_universe(WORKSPACE, options(count))
    now = to_ms(_FROZEN_AT)
    return [universe.payload(inc, now) for inc in universe.incidents[:count]]


def _clone(template: dict[str, Any], n: int, created_ms: int, updated_ms: int) -> dict[str, Any]:
    # Shallow: nested objects (roles, custom fields, statuses) are shared between clones, which is
    # what the real API's payloads look like (the same catalogue entries on every incident).
    incident_id = f"01BENCH{n:019d}"  # 26 characters, like the API's ULIDs; sorts by n
    out = dict(template)
    out["id"] = incident_id
    out["reference"] = f"INC-{n + 1}"
    out["created_at"] = iso(created_ms)
    out["updated_at"] = iso(updated_ms)
    out["permalink"] = f"https://app.incident.io/bench/incidents/{incident_id}"
    out["slack_channel_id"] = "C0" + incident_id[-9:]
    out["slack_channel_name"] = f"inc-{n + 1}-bench"
    return out


def build_pages(incidents: int, page_size: int = PAGE_SIZE) -> Pages:
    """`incidents` distinct incidents updated in MONTH, newest first, as response bodies."""
    templates = _templates(min(TEMPLATES, max(incidents, 1)))
    start, span = to_ms(MONTH_START), to_ms(MONTH_END) - to_ms(MONTH_START) - 3_600_000
    bodies: list[bytes] = []
    after: dict[str, int] = {}
    for first in range(0, max(incidents, 1), page_size):
        chunk = []
        for n in range(first, min(first + page_size, incidents)):
            # Newest first (the API's order): incident n was created (incidents - n) steps into
            # the month and updated within the hour after.
            created = start + span * (incidents - n) // max(incidents, 1)
            chunk.append(_clone(templates[n % len(templates)], n, created, created + 600_000))
        meta: dict[str, Any] = {"page_size": page_size, "total_record_count": incidents}
        last = first + len(chunk) >= incidents
        if chunk and not last:
            meta["after"] = chunk[-1]["id"]
            after[chunk[-1]["id"]] = len(bodies) + 1
        bodies.append(json.dumps({"incidents": chunk, "pagination_meta": meta}).encode())
    return Pages(bodies, after, incidents, page_size)


def _error(status: int, code: str, message: str) -> bytes:
    body = {
        "type": "validation_error",
        "status": status,
        "errors": [{"code": code, "message": message}],
    }
    return json.dumps(body).encode()


def respond(pages: Pages, target: str, authorization: str | None) -> tuple[int, bytes]:
    """The status and body for one request (`target`: path and query). A dict lookup and a
    bytes reference: no rendering."""
    if authorization != f"Bearer {API_KEY}":
        return 401, _error(401, "invalid_authorization_material", "Invalid API key")
    parts = urlsplit(target)
    if parts.path != PATH:
        return 404, _error(404, "not_found", f"fast server: no route {parts.path}")
    query = parse_qs(parts.query)
    size = query.get("page_size", [str(PAGE_SIZE)])[0]
    if size != str(pages.page_size):
        message = f"fast server: page_size={size}, the pages were rendered at {pages.page_size}"
        return 422, _error(422, "invalid_page_size", message)
    cursor = query.get("after", [None])[0]
    if cursor is None:
        return 200, pages.bodies[0]
    index = pages.after.get(cursor)
    if index is None:
        return 422, _error(422, "invalid_after", f"after: no incident with id {cursor!r}")
    return 200, pages.bodies[index]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx uses it
    pages: Pages

    def do_GET(self) -> None:
        status, body = respond(self.pages, self.path, self.headers.get("Authorization"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a line per request on stderr would be the server's biggest cost


def serve(pages: Pages) -> ThreadingHTTPServer:
    """Serve `pages` on a free loopback port in a daemon thread; `.shutdown()` stops it."""
    handler = type("Handler", (_Handler,), {"pages": pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fast-server", daemon=True).start()
    return server


class PageTransport(httpx.BaseTransport):
    """The same pages with no socket: the floor of httpx's own request and response handling."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode("ascii")
        status, body = respond(self.pages, target, request.headers.get("Authorization"))
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, required=True)
    args = parser.parse_args()
    pages = build_pages(args.incidents)  # before any client: not part of anyone's timing
    server = serve(pages)
    emit({"port": server.server_port, "pages": len(pages.bodies), "bytes": pages.total_bytes})
    sys.stdin.read()  # until the runner closes the pipe
    server.shutdown()


if __name__ == "__main__":
    main()
