"""APIExtractor: the concrete REST extractor on httpx."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from ops_metrics.ingestion import transport
from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.ingestion.errors import (
    ExtractionError,
    FetchBudgetExceeded,
    PageBudgetExceeded,
    PaginationLoopError,
)
from ops_metrics.ingestion.extractor import BaseExtractor, Window
from ops_metrics.ingestion.fetch_budget import FetchBudget
from ops_metrics.ingestion.gc_pause import gc_paused
from ops_metrics.ingestion.pagination import Pagination, Params
from ops_metrics.ingestion.redaction import REDACTOR, clean_cause, scrub
from ops_metrics.ingestion.retry import RETRYABLE_STATUS, TRANSIENT_ERRORS, RetryPolicy
from ops_metrics.ingestion.values import loads_bounded

T = TypeVar("T")
# How a source lists a window's pages with an extractor's requests (see `APIExtractor.pages`).
Listing = Callable[["APIExtractor", Window], Iterator[list[dict[str, Any]]]]
# For extractors built without a window (a people directory): large, but an end.
DEFAULT_PAGE_BUDGET = 10_000


class APIExtractor(BaseExtractor):
    """Requests with retries and pagination over an `httpx.Client` that already carries the
    source's base URL and auth (see the resources), so credentials never pass through here."""

    def __init__(
        self,
        source: str,
        client: httpx.Client,
        retry: RetryPolicy | None = None,
        log: logging.Logger | None = None,
        page_budget: int = DEFAULT_PAGE_BUDGET,
        listing: Listing | None = None,
        fetch_budget: FetchBudget | None = None,
    ) -> None:
        super().__init__(source, retry, log)
        self.client = client
        self.listing = listing
        # Pages one paginate() call may take (SourcesResource.page_budget derives it from the
        # partition's window): a cursor that never repeats and never ends stops here.
        self.page_budget = page_budget
        # All requests of this extractor (the run's fetch) end within this, counted from the
        # first request (SourcesResource.fetch_budget); None: no bound beyond the others.
        self.fetch_budget = fetch_budget
        self._fetch_end: float | None = None  # on retry.clock, set by the first request

    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        """The source's pages for `window`, from the `listing` the extractor was given (an AI
        tool's: its adapter's days). A subclass (IncidentExtractor) overrides this instead."""
        if self.listing is None:
            raise ExtractionError(
                f"{self.source}: this extractor has no listing to read a window from; give "
                "APIExtractor a listing= or read single endpoints through paginate()"
            )
        return self.listing(self, window)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One logical request: retried on 429, 5xx, connection errors and timeouts, within the
        policy's attempts and its total time budget. A 3xx is an error, never data."""
        return self._request(method, url, self.retry.budget_end(), **kwargs)

    def _request(
        self, method: str, url: str, budget_end: float | None, **kwargs: Any
    ) -> httpx.Response:
        attempt = 0
        fetch_end = self._start_fetch_clock()
        while True:
            attempt += 1
            if fetch_end is not None and self.retry.clock() >= fetch_end:
                raise self._fetch_budget_spent(method, url)
            self.stats.requests += 1
            # An attempt ends by the retry budget or the fetch budget, whichever comes first.
            end = _earliest(budget_end, fetch_end)
            try:
                with transport.budget(self._monotonic(end)):
                    response = self.client.request(method, url, **kwargs)
            except NOT_RETRYABLE as exc:
                raise self._error(
                    f"{method} {url} could not be sent: {_describe(exc)}"
                ) from clean_cause(exc)
            except TRANSIENT_ERRORS as exc:
                if fetch_end is not None and self.retry.clock() >= fetch_end:
                    # Cut short by the fetch budget, not by the server or the retry budget.
                    raise self._fetch_budget_spent(method, url) from None
                reason = type(exc).__name__
                if attempt >= self.retry.max_attempts:
                    raise self._error(
                        f"{method} {url} failed after {attempt} attempts: {_describe(exc)}"
                    ) from clean_cause(exc)
                self._wait(
                    reason,
                    self.retry.backoff(attempt),
                    attempt,
                    budget_end,
                    method,
                    url,
                    _describe(exc),
                )
                continue
            except (transport.ResponseTooLarge, transport.UnexpectedEncoding) as exc:
                raise self._error(f"{method} {url}: {exc}") from clean_cause(exc)
            except httpx.DecodingError as exc:
                raise self._error(f"{method} {url}: {_describe(exc)}") from clean_cause(exc)
            except ExtractionError as exc:
                # Raised inside an auth flow (a token request): scrubbed like our own.
                raise self._error(str(exc).removeprefix(f"{self.source}: ")) from clean_cause(exc)
            except Exception as exc:
                # Anything else raised while sending (an auth flow's KeyError, an encoding error)
                # keeps its type, unless its text holds a credential: then only ours leaves.
                if REDACTOR.holds_secret(f"{exc}"):
                    raise self._error(f"{method} {url}: {_describe(exc)}") from None
                raise
            if 300 <= response.status_code < 400:
                raise self._error(
                    f"{method} {url} answered {response.status_code}, redirected to "
                    f"{_origin(response)}; redirects are not followed"
                )
            if response.status_code in RETRYABLE_STATUS:
                reason = f"http_{response.status_code}"
                if attempt >= self.retry.max_attempts:
                    raise self._error(
                        f"{method} {url} answered {response.status_code} "
                        f"{attempt} times: {self._excerpt(response)}"
                    )
                delay = self.retry.server_delay(response)
                delay = delay if delay is not None else self.retry.backoff(attempt)
                last = f"answered {response.status_code}: {self._excerpt(response, 100)}"
                self._wait(reason, delay, attempt, budget_end, method, url, last)
                continue
            if response.status_code >= 400:
                hint = " (check the API key)" if response.status_code in (401, 403) else ""
                raise self._error(
                    f"{method} {url} answered {response.status_code}{hint}: "
                    f"{self._excerpt(response)}"
                )
            return response

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        # loads_bounded: a record nested 10,000 deep is cut and rejected, not a RecursionError
        # that fails the page (ingestion/values.py).
        return self.request_parsed(method, url, _parse, **kwargs)

    def request_parsed(
        self, method: str, url: str, parse: Callable[[httpx.Response], T], **kwargs: Any
    ) -> T:
        """`request`, then `parse` on the body. A 2xx body that does not parse (ValueError: a
        connection cut mid-body, a proxy's HTML page) is transient: asked again, up to the
        policy's attempts and within its time budget, then an ExtractionError saying so."""
        attempt = 0
        budget_end = self.retry.budget_end()
        while True:
            attempt += 1
            response = self._request(method, url, budget_end, **kwargs)
            try:
                parsed = parse(response)
            except ValueError as exc:
                if attempt >= self.retry.max_attempts:
                    raise self._error(
                        f"{method} {url} returned a body that is not JSON "
                        f"{attempt} times: {self._excerpt(response)}"
                    ) from clean_cause(exc)
                delay = self.retry.backoff(attempt)
                last = f"a body that is not JSON: {self._excerpt(response, 100)}"
                self._wait("invalid_json", delay, attempt, budget_end, method, url, last)
                continue
            # httpx holds a response in a reference cycle with its stream, and the response holds
            # the whole body: left to the collector, every page's body (1.5 MB of incidents)
            # would wait for it (gc_pause.py). The body is parsed; drop the cycle and the body
            # is freed with the response.
            response.stream = httpx.ByteStream(b"")
            return parsed

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
        pages = 0
        while request_params is not None:
            pages += 1
            if pages > self.page_budget:
                raise PageBudgetExceeded(
                    f"{self.source}: {method} {url} still had a next page after "
                    f"{self.page_budget} pages, the page budget for this window "
                    "(OPS_METRICS_PAGE_BUDGET_PER_DAY); the API's cursor does not end"
                )
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
            raise EnvelopeError(
                self.source, url, scrub(str(exc.args[0])), "is missing"
            ) from clean_cause(exc)
        except (TypeError, AttributeError, IndexError) as exc:
            if not isinstance(body, dict):
                problem = f"cannot be read: the body is {type(body).__name__}, not an object"
            else:
                problem = scrub(f"cannot be read: {type(exc).__name__}: {exc}")
            raise EnvelopeError(self.source, url, what, problem) from clean_cause(exc)

    @staticmethod
    def _key_holding(body: Any, value: Any) -> str | None:
        """The top-level key of `body` whose value is `value` itself, when exactly one is."""
        if not isinstance(body, dict):
            return None
        keys = [k for k, v in body.items() if v is value]
        return str(keys[0]) if len(keys) == 1 else None

    def _wait(
        self,
        reason: str,
        delay: float,
        attempt: int,
        budget_end: float | None,
        method: str,
        url: str,
        last: str = "",
    ) -> None:
        # The wait would run past the fetch budget, and that ends before the retry budget.
        fetch_end = self._fetch_end
        if (
            fetch_end is not None
            and self.retry.clock() + delay >= fetch_end
            and (budget_end is None or fetch_end <= budget_end)
        ):
            raise self._fetch_budget_spent(method, url, last or reason)
        if budget_end is not None and self.retry.clock() + delay >= budget_end:
            raise self._error(
                f"{method} {url} gave up after {attempt} attempts, the "
                f"{self.retry.budget_seconds:g} s retry budget (OPS_METRICS_RETRY_BUDGET_SECONDS) "
                f"spent; last: {last or reason}"
            )
        self.stats.count_retry(reason)
        self.log.warning(
            "%s: %s on attempt %d; retrying in %.2fs", self.source, reason, attempt, delay
        )
        self.retry.sleep(delay)

    def _start_fetch_clock(self) -> float | None:
        """The fetch budget's end on retry.clock, fixed by the first request."""
        if self.fetch_budget is not None and self._fetch_end is None:
            self._fetch_end = self.retry.clock() + self.fetch_budget.seconds
        return self._fetch_end

    def _fetch_budget_spent(self, method: str, url: str, last: str = "") -> FetchBudgetExceeded:
        tail = f"; last: {last}" if last else ""
        budget = self.fetch_budget.describe() if self.fetch_budget else "its fetch budget"
        message = (
            f"{self.source}: {method} {url} stopped after {self.stats.requests} requests: the "
            f"fetch spent {budget}; the source answers too slowly{tail}"
        )
        return FetchBudgetExceeded(scrub(message.replace("\n", " ")))

    def _monotonic(self, budget_end: float | None) -> float | None:
        """The budget's end on time.monotonic, which the transport reads (the policy's clock may
        be a test's)."""
        if budget_end is None:
            return None
        return time.monotonic() + (budget_end - self.retry.clock())

    def _error(self, message: str) -> ExtractionError:
        """Every error leaves here: one line, naming the source, with credentials blanked.
        Raised `from clean_cause(exc)`: the cause is chained only when it holds no credential
        (Dagster stores the chain)."""
        return ExtractionError(scrub(f"{self.source}: {message}".replace("\n", " ")))

    def _excerpt(self, response: httpx.Response, limit: int = 300) -> str:
        """The start of a response body for an error message, with every known credential
        blanked: some APIs echo the key they were sent, and messages end up in run storage."""
        text = response.text
        for secret in _secrets(self.client):
            REDACTOR.register(secret)
        text = scrub(text)
        return text if len(text) <= limit else text[:limit] + "…"


_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key", "proxy-authorization")
# Our side's mistakes: asking again cannot help.
NOT_RETRYABLE: tuple[type[Exception], ...] = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


def _earliest(*ends: float | None) -> float | None:
    known = [end for end in ends if end is not None]
    return min(known) if known else None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _origin(response: httpx.Response) -> str:
    """Where a redirect points, as scheme://host[:port] only: the path may carry a token."""
    location = response.headers.get("location")
    if not location:
        return "an unnamed location (no Location header)"
    try:
        target = response.request.url.join(location)
    except (httpx.InvalidURL, ValueError):
        return "an invalid location"
    port = f":{target.port}" if target.port else ""
    return f"{target.scheme}://{target.host}{port}"


def _parse(response: httpx.Response) -> Any:
    # A page parses into tens of thousands of objects, all alive until it is done: no
    # collection while it is built (ingestion/gc_pause.py).
    with gc_paused():
        return loads_bounded(response.content)


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
