"""A small WSGI toolkit for the simulators: no web framework, so the simulators add no dependency
and run the same way in-process (httpx.WSGITransport) and on a loopback port (wsgiref)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default

    def args(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds the server waits before answering: how the fault mode simulates a slow vendor.
    delay: float = 0.0
    # Drop the connection instead of answering: how the fault mode simulates a connection reset.
    reset: bool = False

    @classmethod
    def json(
        cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        return cls(status, json.dumps(payload, separators=(",", ":")).encode(), hdrs)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return cls(status, text.encode(), {"Content-Type": content_type})


Handler = Callable[[Request], Response]
# WSGI environ keys the servers in app.py set: how to drop the connection, and the client's read
# timeout (in-process only).
ABORT_CONNECTION = "ops_metrics.abort_connection"
READ_TIMEOUT = "ops_metrics.read_timeout"
Middleware = Callable[[Request, Handler], Response]


class Router:
    """Routes `METHOD /path/{param}` to handlers; unknown paths answer 404 as JSON."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.middleware: list[Middleware] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def register(handler: Handler) -> Handler:
            self._routes.append((method.upper(), regex, handler))
            return handler

        return register

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.route(method, pattern)(handler)

    def dispatch(self, request: Request) -> Response:
        handler: Handler = self._find
        for mw in reversed(self.middleware):
            handler = _wrap(mw, handler)
        return handler(request)

    def _find(self, request: Request) -> Response:
        allowed = False
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match:
                if method != request.method:
                    allowed = True
                    continue
                request.path_params = match.groupdict()
                return handler(request)
        if allowed:
            return Response.json({"error": "method not allowed"}, 405)
        return Response.json({"error": f"no route for {request.method} {request.path}"}, 404)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = Request(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO") or "/",
            query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
        )
        response = self.dispatch(request)
        if response.reset:
            # Over a socket the server closes it with an RST (see app.serve); in-process the
            # transport (app.transport) turns the error into the httpx error a socket would give.
            abort = environ.get(ABORT_CONNECTION)
            if abort is not None:
                abort()
            raise ConnectionResetError("simulated fault: connection reset by peer")
        if response.delay > 0:
            # Only ever reached in fault mode. In-process there is no socket to time out, so the
            # transport says how long the client would wait and a longer delay times out at once.
            limit = environ.get(READ_TIMEOUT)
            if limit is not None and response.delay >= limit:
                raise TimeoutError(f"simulated fault: no answer within {limit}s")
            import time

            time.sleep(response.delay)
        reason = (
            HTTPStatus(response.status).phrase
            if response.status in HTTPStatus._value2member_map_
            else ""
        )
        start_response(
            f"{response.status} {reason}",
            [*response.headers.items(), ("Content-Length", str(len(response.body)))],
        )
        return [response.body]


def _wrap(mw: Middleware, inner: Handler) -> Handler:
    return lambda request: mw(request, inner)


def bearer_token(request: Request) -> str | None:
    auth = request.header("authorization") or ""
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
