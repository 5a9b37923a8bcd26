"""The transport under every source's client: bounded in time and size, and the point where
credentials are learnt for redaction.

httpx's timeouts bound each socket operation, not a request: a server that trickles a byte
every few seconds never trips a 30 s read timeout. Here every request gets a total deadline
(connect, TLS, sending, headers and body): each socket operation's timeout is clipped to the
time left, so the request ends at the deadline whatever the server does. Bodies are capped on
the wire and again after decompression (which happens here, in bounded steps, so a gzip bomb
never expands in memory). Redirects are never followed (the client is built with
`follow_redirects=False`; `APIExtractor` turns a 3xx into an error).
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from ops_metrics.ingestion.redaction import REDACTOR, scrub

MIB = 1024 * 1024
# The encodings we ask for: the ones decoded here under the size cap.
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-request bounds (SourcesResource reads them from settings and the environment)."""

    deadline_seconds: float = 60.0
    max_wire_bytes: int = 64 * MIB
    max_decoded_bytes: int = 256 * MIB


class ResponseTooLarge(Exception):
    """A body beyond a size cap; the extractor adds the source and endpoint."""


class UnexpectedEncoding(Exception):
    """A Content-Encoding we did not ask for, so cannot decode under the cap."""


# (monotonic end, what to say when it passes) of the request this thread is sending or reading.
_DEADLINE: ContextVar[tuple[float, str] | None] = ContextVar("request_deadline", default=None)
# The end of the whole logical request (all attempts and waits): the retry budget.
_BUDGET_END: ContextVar[float | None] = ContextVar("retry_budget_end", default=None)


@contextlib.contextmanager
def budget(end: float | None) -> Iterator[None]:
    """Within this block no request outlives `end` (time.monotonic): an attempt's deadline is
    clipped to what is left of the logical request's retry budget."""
    token = _BUDGET_END.set(end)
    try:
        yield
    finally:
        _BUDGET_END.reset(token)


def deadline_message(seconds: float) -> str:
    return f"no complete answer within {seconds:g} s (the per-request deadline)"


def _clip(timeout: float | None) -> float | None:
    current = _DEADLINE.get()
    if current is None:
        return timeout
    end, message = current
    left = end - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout(message)
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _clip(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _clip(timeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _clip(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def network_transport(proxy: str | None = None) -> httpx.HTTPTransport:
    """httpx's own transport, with every socket operation held to the request's deadline."""
    inner = httpx.HTTPTransport(proxy=proxy)
    # httpx does not take a network backend; its pool (a ConnectionPool, or a proxy subclass of
    # it) keeps one. test_hostile_transport's drip cases fail if this stops taking effect.
    pool = inner._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)  # type: ignore[attr-defined]
    return inner


class GuardedTransport(httpx.BaseTransport):
    """Wraps a source's transport: registers the credentials each request carries, bounds the
    request in time and its body in size, decodes gzip/deflate itself under the cap, and never
    lets a credential out in an exception's text."""

    def __init__(self, inner: httpx.BaseTransport, limits: Limits) -> None:
        self.inner = inner
        self.limits = limits

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        REDACTOR.register_request(request)
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        end = time.monotonic() + self.limits.deadline_seconds
        deadline = (end, deadline_message(self.limits.deadline_seconds))
        budget_end = _BUDGET_END.get()
        if budget_end is not None and budget_end < end:
            deadline = (budget_end, "no complete answer before the retry budget ran out")
        with _scrubbed(), _within(deadline):
            response = self.inner.handle_request(request)
            return self._bounded(request, response, deadline)

    def close(self) -> None:
        self.inner.close()

    def _bounded(
        self, request: httpx.Request, response: httpx.Response, deadline: tuple[float, str]
    ) -> httpx.Response:
        limits = self.limits
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_wire_bytes:
            response.close()
            raise ResponseTooLarge(
                f"answer declares {int(declared)} bytes, over the {_size(limits.max_wire_bytes)} "
                "cap on a body (OPS_METRICS_HTTP_MAX_BODY_BYTES)"
            )
        encodings = [
            e.strip().lower()
            for e in response.headers.get("content-encoding", "").split(",")
            if e.strip() and e.strip().lower() != "identity"
        ]
        unknown = [e for e in encodings if e not in ("gzip", "deflate")]
        if unknown:
            response.close()
            raise UnexpectedEncoding(
                f"answer uses Content-Encoding {', '.join(unknown)}, which was not asked for"
            )
        headers = httpx.Headers(response.headers)
        if encodings:
            # Decoded here: httpx would inflate a whole network read at once, unbounded.
            del headers["content-encoding"]
            headers.pop("content-length", None)
        stream = _BoundedStream(response.stream, encodings, limits, deadline)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=stream,
            extensions=response.extensions,
            request=request,
        )


@contextlib.contextmanager
def _within(deadline: tuple[float, str]) -> Iterator[None]:
    token = _DEADLINE.set(deadline)
    try:
        yield
    except httpx.TimeoutException as exc:
        # A clipped socket timeout reads "timed out"; say which bound it was.
        if time.monotonic() >= deadline[0]:
            raise httpx.ReadTimeout(deadline[1], request=exc._request) from None
        raise
    finally:
        _DEADLINE.reset(token)


@contextlib.contextmanager
def _scrubbed() -> Iterator[None]:
    """httpx and h11 quote what they refuse ("Illegal header value b'Bearer …'"): re-raise
    such an error with the credential blanked, and without the original in its chain."""
    try:
        yield
    except httpx.HTTPError as exc:
        text = str(exc)
        clean = scrub(text)
        if clean == text:
            raise
        if isinstance(exc, httpx.RequestError):
            raise type(exc)(clean, request=exc._request) from None  # type: ignore[call-arg]
        raise httpx.TransportError(clean) from None


class _BoundedStream(httpx.SyncByteStream):
    def __init__(
        self,
        inner: Any,
        encodings: list[str],
        limits: Limits,
        deadline: tuple[float, str],
    ) -> None:
        self._inner = inner
        self._encodings = encodings
        self._limits = limits
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        chunks: Iterator[bytes] = self._wire()
        for encoding in reversed(self._encodings):  # applied in order, so undone in reverse
            chunks = _inflate(chunks, encoding, self._limits.max_decoded_bytes)
        yield from chunks

    def _wire(self) -> Iterator[bytes]:
        total = 0
        iterator = iter(self._inner)
        while True:
            with _scrubbed(), _within(self._deadline):
                chunk = next(iterator, None)
            if chunk is None:
                return
            total += len(chunk)
            if total > self._limits.max_wire_bytes:
                raise ResponseTooLarge(
                    f"answer is over the {_size(self._limits.max_wire_bytes)} cap on a body "
                    "(OPS_METRICS_HTTP_MAX_BODY_BYTES)"
                )
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


def _inflate(chunks: Iterator[bytes], encoding: str, cap: int) -> Iterator[bytes]:
    """Decompress in steps of at most 64 KiB of output, counting against `cap`."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    first, total = True, 0
    for chunk in chunks:
        data = chunk
        while data:
            try:
                out = decoder.decompress(data, _CHUNK)
            except zlib.error as exc:
                if encoding == "deflate" and first:
                    # Some servers send raw deflate without the zlib header (httpx allows it).
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    first = False
                    continue
                raise httpx.DecodingError(f"answer is not valid {encoding}: {exc}") from None
            first = False
            total += len(out)
            if total > cap:
                raise ResponseTooLarge(
                    f"answer decompresses to over the {_size(cap)} cap on a decoded body "
                    "(OPS_METRICS_HTTP_MAX_DECODED_BYTES)"
                )
            if out:
                yield out
            data = decoder.unconsumed_tail
    tail = decoder.flush()
    total += len(tail)
    if total > cap:
        raise ResponseTooLarge(
            f"answer decompresses to over the {_size(cap)} cap on a decoded body "
            "(OPS_METRICS_HTTP_MAX_DECODED_BYTES)"
        )
    if tail:
        yield tail


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB and n % MIB == 0 else f"{n} bytes"
