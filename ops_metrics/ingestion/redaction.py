"""One redaction layer for every credential a source holds, so none is ever stored.

Credentials reach a request in many ways: default headers, `httpx.BasicAuth`, a bearer
`httpx.Auth` flow, an OAuth token fetched at run time, a client secret in a form body. Rather than
knowing each of them, the redactor learns the values where they are certain to pass: when a
credential is read from the environment (`SourcesResource.secret`), and on every request as it
leaves the client (`transport.GuardedTransport` registers its credential headers and form
fields). Every message, excerpt and exception text the extractor raises goes through `scrub`.

One redactor per process: a value seen by any client is blanked in every message, whichever
client or thread produced it.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from urllib.parse import parse_qsl, quote, quote_plus

import httpx

REDACTED = "[redacted]"
# Shorter values are not credentials (an empty BasicAuth password, a scheme word) and blanking
# them would garble ordinary text.
MIN_SECRET_LENGTH = 6
# Headers that carry a credential, in any vendor's spelling.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-auth-token", "cookie"}
)
# Form fields of OAuth token requests that carry a credential.
CREDENTIAL_FIELDS = frozenset(
    {"client_secret", "client_id", "password", "refresh_token", "assertion", "code"}
)
SCHEMES = ("bearer", "basic", "token", "bot")


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._ordered: tuple[str, ...] = ()

    def register(self, value: str | None) -> None:
        """Remember a credential value and the forms it travels or is quoted in: URL- and
        form-encoded, JSON-escaped (an echoing body), and as Python's repr of it (httpx and h11
        quote a refused header as bytes: "Illegal header value b'Bearer …\\n…'")."""
        if not value:
            return
        forms = {
            value,
            value.strip(),
            quote(value, safe=""),
            quote_plus(value),
            json.dumps(value)[1:-1],
            repr(value)[1:-1],
            repr(value.encode("utf-8", "backslashreplace"))[2:-1],
        }
        new = {f for f in forms if len(f) >= MIN_SECRET_LENGTH} - self._values
        if not new:
            return
        with self._lock:
            self._values |= new
            # Longest first, so a header value is blanked whole before the token inside it.
            self._ordered = tuple(sorted(self._values, key=len, reverse=True))

    def register_header(self, value: str) -> None:
        """A credential header: the whole value, the token after its scheme, and for Basic the
        decoded `user:password` and each part (Cursor sends its key as the user)."""
        self.register(value)
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() not in SCHEMES or not token:
            return
        self.register(token)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            self.register(decoded)
            for part in decoded.split(":", 1):
                self.register(part)

    def register_request(self, request: httpx.Request) -> None:
        for name, value in request.headers.items():
            if name.lower() in CREDENTIAL_HEADERS:
                self.register_header(value)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            try:
                body = request.content.decode("utf-8")
            except (httpx.RequestNotRead, UnicodeDecodeError):
                return
            for name, value in parse_qsl(body):
                if name in CREDENTIAL_FIELDS:
                    self.register(value)

    def scrub(self, text: str) -> str:
        for value in self._ordered:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def holds_secret(self, text: str) -> bool:
        return any(value in text for value in self._ordered)


REDACTOR = Redactor()


def scrub(text: str) -> str:
    return REDACTOR.scrub(text)


def clean_cause(exc: BaseException) -> BaseException | None:
    """`exc` to chain as a cause, or None when its text (or its own chain's) holds a credential:
    Dagster stores the whole chain, so a dirty cause would store the secret."""
    seen: BaseException | None = exc
    while seen is not None:
        if REDACTOR.holds_secret(f"{type(seen).__name__}: {seen}"):
            return None
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return exc
