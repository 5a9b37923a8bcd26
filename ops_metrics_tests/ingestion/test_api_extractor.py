"""APIExtractor against a real WSGI server that misbehaves on purpose: retries, backoff,
Retry-After, pagination strategies and the loop guard."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.errors import (
    ExtractionError,
    FetchBudgetExceeded,
    PaginationLoopError,
)
from ops_metrics.ingestion.fetch_budget import FetchBudget
from ops_metrics.ingestion.pagination import (
    CursorPagination,
    OffsetPagination,
    PageNumberPagination,
)
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.settings import ConfigurationError
from ops_metrics.simulators.app import serve
from ops_metrics.simulators.http import Request, Response, Router
from ops_metrics.sources import SourcesResource

ITEMS = [{"id": f"i{n:03d}"} for n in range(95)]
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def policy(self, attempts: int = 6) -> RetryPolicy:
        return RetryPolicy(max_attempts=attempts, sleep=self.waits.append, now=lambda: NOW)


def flaky_router(failures: list[Response]) -> Router:
    """Serves `failures` in order, then cursor-paginated ITEMS, 10 a page."""
    router = Router()
    queue = list(failures)

    @router.route("GET", "/items")
    def items(request: Request) -> Response:
        if queue:
            return queue.pop(0)
        start = int(request.arg("after") or 0)
        page = ITEMS[start : start + 10]
        after = start + 10 if start + 10 < len(ITEMS) else None
        return Response.json({"items": page, "meta": {"after": after and str(after)}})

    return router


CURSOR = CursorPagination("after", lambda b: b["meta"]["after"])


def extractor(router: Router, recorder: Recorder, attempts: int = 6) -> APIExtractor:
    client = httpx.Client(transport=httpx.WSGITransport(app=router), base_url="http://test")
    return APIExtractor("test", client, retry=recorder.policy(attempts))


def walk(ex: APIExtractor) -> list[dict]:
    return [
        item for page in ex.paginate("GET", "/items", CURSOR, lambda b: b["items"]) for item in page
    ]


def test_cursor_pagination_returns_every_item_once():
    rec = Recorder()
    ex = extractor(flaky_router([]), rec)
    assert walk(ex) == ITEMS
    assert ex.stats.requests == 10 and rec.waits == []


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_with_exponential_backoff(status):
    rec = Recorder()
    failures = [Response.json({"error": "x"}, status) for _ in range(3)]
    ex = extractor(flaky_router(failures), rec)
    assert walk(ex) == ITEMS
    assert ex.stats.retries == 3
    # full jitter within a doubling ceiling: [0.25, 0.5], [0.5, 1], [1, 2]
    for attempt, wait in enumerate(rec.waits, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling


def test_retry_after_header_in_seconds_is_honoured():
    rec = Recorder()
    ex = extractor(flaky_router([Response.json({}, 429, {"Retry-After": "7"})]), rec)
    walk(ex)
    assert rec.waits == [7.0]


def test_incident_io_rate_limit_body_date_is_honoured_without_a_header():
    rec = Recorder()
    when = (NOW + timedelta(seconds=12)).strftime("%a, %d %b %Y %H:%M:%S UTC")
    body = {"type": "too_many_requests", "status": 429, "rate_limit": {"retry_after": when}}
    ex = extractor(flaky_router([Response.json(body, 429)]), rec)
    walk(ex)
    assert rec.waits == [12.0]


def test_gives_up_after_max_attempts_with_the_status_in_the_message():
    rec = Recorder()
    ex = extractor(flaky_router([Response.json({"e": 1}, 503) for _ in range(5)]), rec, attempts=3)
    with pytest.raises(ExtractionError, match="503 3 times"):
        walk(ex)


def test_client_errors_are_not_retried_and_name_the_problem():
    rec = Recorder()
    ex = extractor(flaky_router([Response.json({"error": "bad key"}, 401)]), rec)
    with pytest.raises(ExtractionError, match=r"401 \(check the API key\)"):
        walk(ex)
    assert rec.waits == []


def test_a_cursor_that_does_not_advance_is_a_pagination_loop():
    router = Router()
    router.add(
        "GET", "/items", lambda r: Response.json({"items": [{"id": 1}], "meta": {"after": "same"}})
    )
    ex = extractor(router, Recorder())
    with pytest.raises(PaginationLoopError, match="does not advance"):
        walk(ex)


def test_a_response_slower_than_the_timeout_is_retried_over_real_http():
    """A real socket: the first request hangs past the client timeout, then the server answers."""
    router = flaky_router([])
    slow = [Response(status=200, body=b"{}", delay=1.0)]
    router.middleware.append(lambda request, inner: slow.pop(0) if slow else inner(request))
    server = serve(router, port=0)
    try:
        rec = Recorder()
        client = httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=0.2)
        ex = APIExtractor("test", client, retry=rec.policy())
        assert walk(ex) == ITEMS
        assert ex.stats.retry_reasons == {"ReadTimeout": 1}
    finally:
        server.shutdown()


def test_page_number_and_offset_strategies_walk_to_the_end():
    router = Router()

    @router.route("GET", "/pages")
    def pages(request: Request) -> Response:
        page, size = int(request.arg("page")), int(request.arg("page_size"))
        data = ITEMS[(page - 1) * size : page * size]
        return Response.json({"data": data, "total_pages": -(-len(ITEMS) // size)})

    @router.route("GET", "/offset")
    def offset(request: Request) -> Response:
        start, limit = int(request.arg("offset")), int(request.arg("limit"))
        return Response.json({"items": ITEMS[start : start + limit], "total": len(ITEMS)})

    ex = extractor(router, Recorder())
    by_page = PageNumberPagination("page", "page_size", 20, total_pages=lambda b: b["total_pages"])
    by_offset = OffsetPagination("offset", "limit", 20, total=lambda b: b["total"])
    assert [
        i for p in ex.paginate("GET", "/pages", by_page, lambda b: b["data"]) for i in p
    ] == ITEMS
    assert [
        i for p in ex.paginate("GET", "/offset", by_offset, lambda b: b["items"]) for i in p
    ] == ITEMS


def test_retries_end_when_the_retry_budget_is_spent():
    """Waits count against the budget on the policy's clock: a third 45 s Retry-After would
    overrun 100 s, so the request gives up saying why, after two waits and no real sleep."""
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    policy = RetryPolicy(sleep=sleep, now=lambda: NOW, clock=lambda: clock[0], budget_seconds=100)
    busy = [Response.json({"e": 1}, 429, headers={"Retry-After": "45"}) for _ in range(5)]
    client = httpx.Client(
        transport=httpx.WSGITransport(app=flaky_router(busy)), base_url="http://t"
    )
    ex = APIExtractor("test", client, retry=policy)
    with pytest.raises(ExtractionError) as caught:
        walk(ex)
    assert str(caught.value) == (
        "test: GET /items gave up after 3 attempts, the 100 s retry budget "
        '(OPS_METRICS_RETRY_BUDGET_SECONDS) spent; last: answered 429: {"e":1}'
    )
    assert clock[0] == 90.0


def test_the_fetch_budget_ends_the_pages_and_waits_of_a_run_together():
    """A request's retries have a 100 s budget, but the run's fetch as a whole has 60 s (two
    partitions of 30 s): the second 45 s Retry-After would overrun it, so the fetch ends there
    naming the fetch budget, not the retry budget, after one wait and no real sleep."""
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    policy = RetryPolicy(sleep=sleep, now=lambda: NOW, clock=lambda: clock[0], budget_seconds=100)
    busy = [Response.json({"e": 1}, 429, headers={"Retry-After": "45"}) for _ in range(5)]
    client = httpx.Client(
        transport=httpx.WSGITransport(app=flaky_router(busy)), base_url="http://t"
    )
    ex = APIExtractor("test", client, retry=policy, fetch_budget=FetchBudget(30, partitions=2))
    with pytest.raises(FetchBudgetExceeded) as caught:
        walk(ex)
    assert str(caught.value) == (
        "test: GET /items stopped after 2 requests: the fetch spent the 60 s fetch budget of its "
        "2 partitions (30 s each, OPS_METRICS_FETCH_BUDGET_SECONDS); the source answers too "
        'slowly; last: answered 429: {"e":1}'
    )
    assert clock[0] == 45.0


def test_the_page_budget_follows_the_window_and_is_named_when_misconfigured(monkeypatch):
    sources = SourcesResource(mode="live")
    assert sources.page_budget(timedelta(hours=1, minutes=15)) == 125  # an hourly partition
    assert sources.page_budget(timedelta(days=1)) == 2400  # an AI tool's day
    assert sources.page_budget(timedelta(minutes=5)) == 100  # never under an hour's worth
    monkeypatch.setenv("OPS_METRICS_PAGE_BUDGET_PER_DAY", "24")
    assert sources.page_budget(timedelta(days=7)) == 168
    monkeypatch.setenv("OPS_METRICS_HTTP_DEADLINE_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="OPS_METRICS_HTTP_DEADLINE_SECONDS must be a"):
        sources.limits()


def test_a_redirect_is_an_error_naming_only_the_origin():
    router = Router()
    router.add(
        "GET",
        "/items",
        lambda r: Response.json(
            {"items": ITEMS[:10], "meta": {"after": None}},
            302,
            headers={"Location": "https://cdn.example:8443/items?token=abc"},
        ),
    )
    ex = extractor(router, Recorder())
    with pytest.raises(ExtractionError) as caught:
        walk(ex)
    assert str(caught.value) == (
        "test: GET /items answered 302, redirected to https://cdn.example:8443; "
        "redirects are not followed"
    )
