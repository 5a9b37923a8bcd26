"""Assemble every vendor simulator into one WSGI app, served on a port or in-process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

from ops_metrics.simulators.clock import Clock, system_clock
from ops_metrics.simulators.http import Router

DEFAULT_SEED = 20250101


@dataclass
class SimulatorOptions:
    seed: int = DEFAULT_SEED
    clock: Clock = system_clock
    # What rate limits are measured on; None means `clock`. A simulator frozen at an instant for
    # replayable data still needs time to pass for its rate limits, or a limit never resets.
    rate_clock: Clock | None = None
    # Size knobs so benchmarks can ask for 100k incidents; None keeps the realistic default.
    incidents_per_workspace: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


def rate_now(options: SimulatorOptions):
    return (options.rate_clock or options.clock)()


def build_app(options: SimulatorOptions | None = None) -> Router:
    options = options or SimulatorOptions()
    router = Router()
    # Imported here so `import ops_metrics.simulators.app` stays cheap for the code location.
    from ops_metrics.simulators import ai_tools, incident_io

    incident_io.register(router, options)
    ai_tools.register(router, options)
    return router


def transport(app: Router) -> httpx.WSGITransport:
    """An httpx transport that calls the simulator in-process: real HTTP semantics, no socket."""
    return httpx.WSGITransport(app=app)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(app: Router, host: str = "127.0.0.1", port: int = 0) -> _ThreadingWSGIServer:
    """Start serving on a background thread; port 0 picks a free port (see `server.server_port`)."""
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True, name="ops-metrics-simulator").start()
    return server
