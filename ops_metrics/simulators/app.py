"""Assemble every vendor simulator into one WSGI app, served on a port or in-process."""

from __future__ import annotations

import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

from ops_metrics.simulators.http import ABORT_CONNECTION, READ_TIMEOUT, Router

# Re-exported: callers build apps with `app.SimulatorOptions` (the contract name).
from ops_metrics.simulators.options import (  # noqa: F401
    DEFAULT_SEED,
    SimulatorOptions,
    rate_limit_per_minute,
    rate_now,
)


def build_app(options: SimulatorOptions | None = None) -> Router:
    options = options or SimulatorOptions()
    router = Router()
    # Imported here so `import ops_metrics.simulators.app` stays cheap for the code location.
    from ops_metrics.simulators import ai_tools, incident_io

    incident_io.register(router, options)
    ai_tools.register(router, options)
    if options.faults is not None:
        from ops_metrics.simulators.faults import FaultInjector

        router.middleware.append(FaultInjector(options.faults))
    return router


class SimulatorTransport(httpx.WSGITransport):
    """In-process transport that fails the way a socket would: a dropped connection is an
    `httpx.ReadError` and an answer slower than the client's read timeout an `httpx.ReadTimeout`
    (raised at once: in-process nothing is gained by really waiting)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        read_timeout = (request.extensions.get("timeout") or {}).get("read")
        inner = httpx.WSGITransport(app=_with_environ(self.app, {READ_TIMEOUT: read_timeout}))
        try:
            return inner.handle_request(request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except ConnectionError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc


def _with_environ(app: Any, extra: dict[str, object]) -> Callable[..., Iterable[bytes]]:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ.update({k: v for k, v in extra.items() if v is not None})
        return app(environ, start_response)

    return wrapped


def transport(app: Router) -> httpx.WSGITransport:
    """An httpx transport that calls the simulator in-process: real HTTP semantics, no socket."""
    return SimulatorTransport(app=app)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A connection the fault mode dropped on purpose is not worth a traceback.
        if not isinstance(sys.exc_info()[1], OSError | ValueError):
            super().handle_error(request, client_address)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[ABORT_CONNECTION] = self._abort
        return environ

    def _abort(self) -> None:
        """Close the socket with an RST (SO_LINGER 0): the client sees a connection reset."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


def serve(app: Router, host: str = "127.0.0.1", port: int = 0) -> _ThreadingWSGIServer:
    """Start serving on a background thread; port 0 picks a free port (see `server.server_port`)."""
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True, name="ops-metrics-simulator").start()
    return server
