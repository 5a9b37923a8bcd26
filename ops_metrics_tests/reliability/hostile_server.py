"""A hostile vendor on a loopback port, for the transport tests: it answers every path the
same hostile way, at the socket level (no framework can trickle a status line).

Behaviours (`HostileServer(behaviour)`):
- `drip`: a 200 whose body trickles one byte per `interval` for ever;
- `slowloris`: the status line and headers themselves trickle, one byte per `interval`;
- `gzip_bomb`: a small gzip body that inflates to `bomb_bytes`;
- `big`: an uncompressed body of `bomb_bytes`, length undeclared (the cap on the wire);
- `redirect`: a 302 to `location` whose body is a valid Incident.io page (it must not load);
- `echo_401`: a 401 quoting every header and the body it was sent, as careless vendors do;
- `endless`: valid Incident.io pages, each with one incident and a cursor never seen before;
- `slow_pages`: the same endless pages, each trickled over `interval` (just inside the
  per-request deadline, page after page).

A dripping connection ends when the client hangs up or the server shuts down; `dripping` is set
once one has started, so a test can wait for that event instead of for time.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ops_metrics.simulators.app import SimulatorOptions
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.incident_io import incident_universe
from ops_metrics_tests.reliability._support import NOW

BEHAVIOURS = (
    "drip",
    "slowloris",
    "gzip_bomb",
    "big",
    "redirect",
    "echo_401",
    "endless",
    "slow_pages",
)


def incident_payload(workspace: str = "companya") -> dict[str, Any]:
    """A real incident as the simulator serves it: a page of it is a valid page."""
    universe = incident_universe(workspace, SimulatorOptions(clock=fixed_clock(NOW)))
    return next(iter(universe.visible(NOW)))


class HostileServer:
    def __init__(
        self,
        behaviour: str,
        *,
        interval: float = 0.2,
        bomb_bytes: int = 64 * 1024 * 1024,
        location: str = "http://elsewhere.invalid/v2/incidents",
    ) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {BEHAVIOURS}")
        self.behaviour = behaviour
        self.interval = interval
        self.bomb_bytes = bomb_bytes
        self.location = location
        self.requests: list[dict[str, Any]] = []
        self.dripping = threading.Event()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._page = incident_payload()
        self._bomb: bytes | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def record(self, handler: BaseHTTPRequestHandler, body: bytes) -> int:
        with self._lock:
            self.requests.append(
                {
                    "path": handler.path,
                    "headers": dict(handler.headers.items()),
                    "body": body,
                    "at": time.monotonic(),
                }
            )
            return len(self.requests)

    def bomb(self) -> bytes:
        """`bomb_bytes` of spaces, gzipped a MiB at a time (never held whole: a 1 GiB bomb costs
        the server ~1 MiB)."""
        if self._bomb is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            block, left, parts = b" " * (1024 * 1024), self.bomb_bytes, []
            while left > 0:
                parts.append(packer.compress(block[: min(left, len(block))]))
                left -= len(block)
            parts.append(packer.flush())
            self._bomb = b"".join(parts)
        return self._bomb

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests: how long each attempt was held."""
        times = [r["at"] for r in self.requests]
        return [b - a for a, b in itertools.pairwise(times)]

    def page(self, number: int) -> bytes:
        incident = {**self._page, "id": f"{self._page['id']}-{number}"}
        return json.dumps(
            {
                "incidents": [incident],
                "pagination_meta": {"after": f"cursor-{number}", "page_size": 250},
            }
        ).encode()


def _handler(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            number = server.record(self, body)
            getattr(self, f"_{server.behaviour}")(number, body)

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            if "Connection" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:  # the client gave up on it: what the cap is for
                return

        def _trickle(self, data: bytes, forever: bytes = b" ") -> None:
            server.dripping.set()
            try:
                for byte in data:
                    if server.stopping.wait(server.interval):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                while not server.stopping.wait(server.interval):
                    self.wfile.write(forever)
                    self.wfile.flush()
            except OSError:  # the client hung up: the point of the exercise
                return

        def _drip(self, number: int, body: bytes) -> None:
            # No length: the body runs until the connection closes, which it never does.
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
            )
            self.wfile.flush()
            self._trickle(b'{"incidents": [')

        def _slowloris(self, number: int, body: bytes) -> None:
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", forever=b"a")

        def _gzip_bomb(self, number: int, body: bytes) -> None:
            self._send(200, server.bomb(), {"Content-Encoding": "gzip"})

        def _big(self, number: int, body: bytes) -> None:
            # No Content-Length to refuse up front: the cap must hold while reading.
            self._send(200, b" " * server.bomb_bytes, {"Connection": "close"})

        def _redirect(self, number: int, body: bytes) -> None:
            self._send(302, server.page(number), {"Location": server.location})

        def _echo_401(self, number: int, body: bytes) -> None:
            echoed = {
                "error": "unauthorized",
                "you_sent": dict(self.headers.items()),
                "body": body.decode("utf-8", errors="replace"),
            }
            self._send(401, json.dumps(echoed).encode())

        def _endless(self, number: int, body: bytes) -> None:
            self._send(200, server.page(number))

        def _slow_pages(self, number: int, body: bytes) -> None:
            # Headers at once, then the page in ten parts spread over `interval`: no single read
            # waits long (the per-read timeout never trips), the whole answer takes `interval`.
            page = server.page(number)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.flush()
            step = -(-len(page) // 10)
            try:
                for start in range(0, len(page), step):
                    if server.stopping.wait(server.interval / 10):
                        return
                    self.wfile.write(page[start : start + step])
                    self.wfile.flush()
            except OSError:  # the client gave up on it: the fetch budget at work
                return

    return Handler
