"""APIExtractor: the concrete REST extractor on httpx."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.ingestion.errors import ExtractionError, PaginationLoopError
from ops_metrics.ingestion.extractor import BaseExtractor, Window
from ops_metrics.ingestion.pagination import Pagination, Params
from ops_metrics.ingestion.retry import RETRYABLE_STATUS, TRANSIENT_ERRORS, RetryPolicy
from ops_metrics.ingestion.values import loads_bounded

T = TypeVar("T")


class APIExtractor(BaseExtractor):
    """Requests with retries and pagination over an `httpx.Client` that already carries the
    source's base URL and auth (see the resources), so credentials never pass through here."""

    def __init__(
        self,
        source: str,
        client: httpx.Client,
        retry: RetryPolicy | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        super().__init__(source, retry, log)
        self.client = client

    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        raise NotImplementedError(f"{type(self).__name__} reads pages through paginate()")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One logical request: retried on 429, 5xx, connection errors and timeouts."""
        attempt = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                response = self.client.request(method, url, **kwargs)
            except TRANSIENT_ERRORS as exc:
                reason = type(exc).__name__
                if attempt >= self.retry.max_attempts:
                    raise ExtractionError(
                        f"{self.source}: {method} {url} failed after {attempt} attempts: {reason}: {exc}"
                    ) from exc
                self._wait(reason, self.retry.backoff(attempt), attempt)
                continue
            if response.status_code in RETRYABLE_STATUS:
                reason = f"http_{response.status_code}"
                if attempt >= self.retry.max_attempts:
                    raise ExtractionError(
                        f"{self.source}: {method} {url} answered {response.status_code} "
                        f"{attempt} times: {self._excerpt(response)}"
                    )
                delay = self.retry.server_delay(response)
                self._wait(
                    reason, delay if delay is not None else self.retry.backoff(attempt), attempt
                )
                continue
            if response.status_code >= 400:
                hint = " (check the API key)" if response.status_code in (401, 403) else ""
                raise ExtractionError(
                    f"{self.source}: {method} {url} answered {response.status_code}{hint}: "
                    f"{self._excerpt(response)}"
                )
            return response

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        # loads_bounded: a record nested 10,000 deep is cut and rejected, not a RecursionError
        # that fails the page (ingestion/values.py).
        return self.request_parsed(
            method, url, lambda response: loads_bounded(response.content), **kwargs
        )

    def request_parsed(
        self, method: str, url: str, parse: Callable[[httpx.Response], T], **kwargs: Any
    ) -> T:
        """`request`, then `parse` on the body. A 2xx body that does not parse (ValueError: a
        connection cut mid-body, a proxy's HTML page) is transient: asked again, up to the
        policy's attempts, then an ExtractionError saying so."""
        attempt = 0
        while True:
            attempt += 1
            response = self.request(method, url, **kwargs)
            try:
                return parse(response)
            except ValueError as exc:
                if attempt >= self.retry.max_attempts:
                    raise ExtractionError(
                        f"{self.source}: {method} {url} returned a body that is not JSON "
                        f"{attempt} times: {self._excerpt(response)}"
                    ) from exc
                self._wait("invalid_json", self.retry.backoff(attempt), attempt)

    def paginate(
        self,
        method: str,
        url: str,
        pagination: Pagination,
        items: Callable[[Any], list[dict[str, Any]]],
        params: Params | None = None,
        in_body: bool = False,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page's items. `in_body` sends the paging params as a JSON body (Cursor)."""
        request_params: Params | None = pagination.first(params or {})
        seen: set[str] = set()
        while request_params is not None:
            fingerprint = json.dumps(request_params, sort_keys=True, default=str)
            if fingerprint in seen:
                raise PaginationLoopError(
                    f"{self.source}: {url} handed back a page request already made "
                    f"({fingerprint}); the API's cursor does not advance"
                )
            seen.add(fingerprint)
            kwargs = {"json": request_params} if in_body else {"params": request_params}
            body = self.request_json(method, url, **kwargs)
            page = self._read_envelope(url, "records", body, items, body)
            if not isinstance(page, list):
                raise EnvelopeError(
                    self.source,
                    url,
                    self._key_holding(body, page) or "records",
                    f"is {type(page).__name__}, expected list",
                )
            # Read the next page's params before yielding: a broken cursor fails this partition
            # before any of its rows move on.
            next_params = self._read_envelope(
                url, "pagination", body, pagination.next, request_params, body, page
            )
            yield page
            request_params = next_params

    def _read_envelope(
        self, url: str, what: str, body: Any, read: Callable[..., T], *args: Any
    ) -> T:
        """`read(*args)` (an adapter's lambda over the body), with a bare KeyError, TypeError,
        AttributeError or IndexError turned into an EnvelopeError naming the source, the
        endpoint and the key. Adapters should read through `envelope()`, which names the key
        itself; this is the net under the lambdas that do not."""
        try:
            return read(*args)
        except EnvelopeError:
            raise
        except KeyError as exc:
            raise EnvelopeError(self.source, url, str(exc.args[0]), "is missing") from exc
        except (TypeError, AttributeError, IndexError) as exc:
            if not isinstance(body, dict):
                problem = f"cannot be read: the body is {type(body).__name__}, not an object"
            else:
                problem = f"cannot be read: {type(exc).__name__}: {exc}"
            raise EnvelopeError(self.source, url, what, problem) from exc

    @staticmethod
    def _key_holding(body: Any, value: Any) -> str | None:
        """The top-level key of `body` whose value is `value` itself, when exactly one is."""
        if not isinstance(body, dict):
            return None
        keys = [k for k, v in body.items() if v is value]
        return str(keys[0]) if len(keys) == 1 else None

    def _wait(self, reason: str, delay: float, attempt: int) -> None:
        self.stats.count_retry(reason)
        self.log.warning(
            "%s: %s on attempt %d; retrying in %.2fs", self.source, reason, attempt, delay
        )
        self.retry.sleep(delay)

    def _excerpt(self, response: httpx.Response, limit: int = 300) -> str:
        """The start of a response body for an error message, with the client's credentials
        blanked: some APIs echo the key they were sent, and messages end up in run storage."""
        text = response.text
        for secret in _secrets(self.client):
            text = text.replace(secret, "[redacted]")
        return text if len(text) <= limit else text[:limit] + "…"


_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key", "proxy-authorization")


def _secrets(client: httpx.Client) -> list[str]:
    """The credential values the client sends (header values and the token inside them)."""
    out: list[str] = []
    for name in _CREDENTIAL_HEADERS:
        value = client.headers.get(name)
        if value:
            out.append(value)
            _, _, token = value.partition(" ")
            if len(token) >= 8:
                out.append(token)
    return sorted(out, key=len, reverse=True)
