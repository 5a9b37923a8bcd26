"""A documented-examples server: answers only from the vendor fixture files, nothing else.

It stands in for the vendors in the live-mode proof (`OPS_METRICS_SOURCES=live`, the tools'
`*_BASE_URL` pointing here), so what loads is what the vendors published, not what our simulators
serve. On purpose it knows nothing of `ops_metrics.simulators` (and imports nothing of
`ops_metrics`): the reference must not share code with what it checks.

A request is answered by the fixture (ops_metrics_tests/fixtures/vendors/README.md) whose method
and path are the request's, whose `request.query` entries it carries with the same values, and
whose `request.body` (JSON) / `request.form` (form-encoded) keys it carries: body values are the
vendor's example (Cursor's two-day range), while a client asks for its own day. When several
match, the one naming the most entries wins, then a preferred one (the fixture a test is about,
where two revisions of one page document the same request). Anything else is a 404 that says so.
`{docs_server}` in a response is replaced by this server's base URL (links a vendor hands out,
such as report downloads, point back here).

One matcher for every use: the HTTP server here (the live-mode proof) and the in-memory httpx
transport of the adapter tests (`_examples.transport`) both answer through `DocumentedExamples`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vendors"
BASE_URL_TOKEN = "{docs_server}"


@dataclass(frozen=True)
class Fixture:
    """One documented exchange, read from a fixture file."""

    path: Path
    source: str  # the folder: a tool name or `incident_io`
    data: dict[str, Any]

    @property
    def request(self) -> dict[str, Any]:
        return self.data["request"]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def response(self) -> dict[str, Any]:
        return self.data["response"]

    @property
    def body(self) -> Any:
        """The documented response body (None for a text answer)."""
        return self.response.get("body")

    @property
    def expect(self) -> dict[str, Any] | None:
        return self.data.get("expect")

    def specificity(self) -> int:
        return sum(len(self.request.get(part) or {}) for part in ("query", "body", "form"))

    def matches(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> bool:
        """`body` is the request's parsed JSON or form body (a dict), or None."""
        if self.request["method"].upper() != method or self.request["path"] != path:
            return False
        for key, want in (self.request.get("query") or {}).items():
            wanted = [str(v) for v in want] if isinstance(want, list) else [str(want)]
            if sorted(query.get(key, [])) != sorted(wanted):
                return False
        keys = {**(self.request.get("body") or {}), **(self.request.get("form") or {})}
        return not keys or (isinstance(body, dict) and keys.keys() <= body.keys())


def load_fixtures(root: Path = FIXTURES) -> list[Fixture]:
    """Every fixture file under `root/<source>/`, in a stable order."""
    return [
        Fixture(path, path.parent.name, json.loads(path.read_text()))
        for path in sorted(root.glob("*/*.json"))
    ]


class DocumentedExamples:
    """The matching, without HTTP: (method, path, query, body) -> (status, headers, bytes)."""

    def __init__(self, fixtures: list[Fixture]) -> None:
        self.fixtures = fixtures
        self.requests: list[tuple[str, str]] = []  # (method, path + query) as received
        self.preferred: Path | None = None

    @contextmanager
    def preferring(self, fixture: Fixture) -> Iterator[None]:
        """Answer with `fixture` where another answers the same request as well."""
        self.preferred = fixture.path
        try:
            yield
        finally:
            self.preferred = None

    def answer(
        self, method: str, target: str, body: bytes, base_url: str, content_type: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((method, target))
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        found = [
            f
            for f in self.fixtures
            if f.matches(method, url.path, query, _parsed(body, content_type))
        ]
        if not found:
            message = {"error": f"no documented example answers {method} {url.path}"}
            return 404, {"content-type": "application/json"}, json.dumps(message).encode()
        fixture = max(found, key=lambda f: (f.specificity(), f.path == self.preferred))
        response = fixture.response
        text = response["text"] if "text" in response else json.dumps(response.get("body"))
        headers = {"content-type": "application/json", **(response.get("headers") or {})}
        return response.get("status", 200), headers, text.replace(BASE_URL_TOKEN, base_url).encode()


def _parsed(body: bytes, content_type: str) -> dict[str, Any] | None:
    """A request body as a dict: form-encoded or JSON; None when it is neither."""
    if not body:
        return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


class DocsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, examples: DocumentedExamples, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.examples = examples

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: DocsServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.examples.answer(
            self.command, self.path, body, self.server.url, self.headers.get("content-type", "")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _serve


def serve(fixtures: list[Fixture] | None = None) -> DocsServer:
    """Start on a free loopback port in a background thread; `shutdown()` when done."""
    server = DocsServer(DocumentedExamples(load_fixtures() if fixtures is None else fixtures))
    threading.Thread(target=server.serve_forever, daemon=True, name="docs-server").start()
    return server
