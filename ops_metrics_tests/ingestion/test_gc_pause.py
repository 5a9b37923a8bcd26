"""The collector is paused while a page's records are handed out (ingestion/gc_pause.py), and a
load never leaves it off: not when it ends, not when its reader stops early or fails. For the
span of a load it runs only once YOUNG_THRESHOLD objects outlived their page, so a page's body
must not wait for it: the extractor frees each parsed body at once."""

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.extractor import BaseExtractor, Window
from ops_metrics.ingestion.gc_pause import YOUNG_THRESHOLD, gc_paused
from ops_metrics.simulators.app import serve
from ops_metrics.simulators.http import Request, Response, Router


class Pages(BaseExtractor):
    def __init__(self, pages: list[list[dict[str, Any]]], fail_after: int | None = None) -> None:
        super().__init__("test")
        self._pages = pages
        self._fail_after = fail_after

    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        for number, page in enumerate(self._pages):
            if self._fail_after is not None and number >= self._fail_after:
                raise ConnectionError(f"page {number} failed")
            yield page


PAGES = [[{"id": f"{p}-{r}"} for r in range(3)] for p in range(4)]
WINDOW = Window(None, None)  # type: ignore[arg-type]  # the listing ignores it


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    assert gc.isenabled()
    threshold = gc.get_threshold()
    yield
    gc.enable()  # whatever a failed test left, the next one starts with it on
    gc.set_threshold(*threshold)


def test_records_are_handed_out_with_the_collector_paused_and_it_is_on_after() -> None:
    states = [gc.isenabled() for _ in Pages(PAGES).records(WINDOW)]
    assert states == [False] * 12
    assert gc.isenabled()


def test_a_reader_that_stops_early_leaves_the_collector_on() -> None:
    records = Pages(PAGES).records(WINDOW)
    next(records)
    assert not gc.isenabled()
    records.close()
    assert gc.isenabled()


def test_a_failing_page_leaves_the_collector_on() -> None:
    with pytest.raises(ConnectionError, match="page 2 failed"):
        for _ in Pages(PAGES, fail_after=2).records(WINDOW):
            pass
    assert gc.isenabled()


def test_a_pause_inside_another_leaves_the_switch_to_the_outer_one() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_someone_else_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_a_load_relaxes_the_young_threshold_and_restores_it_however_it_ends() -> None:
    before = gc.get_threshold()
    assert before[0] < YOUNG_THRESHOLD
    during = [gc.get_threshold() for _ in Pages(PAGES).records(WINDOW)]
    assert {t[0] for t in during} == {YOUNG_THRESHOLD} and {t[1:] for t in during} == {before[1:]}
    assert gc.get_threshold() == before
    early = Pages(PAGES).records(WINDOW)
    next(early)
    early.close()
    assert gc.get_threshold() == before
    with pytest.raises(ConnectionError):
        for _ in Pages(PAGES, fail_after=1).records(WINDOW):
            pass
    assert gc.get_threshold() == before


def test_two_loads_overlapping_restore_the_threshold_when_the_last_ends() -> None:
    before = gc.get_threshold()
    first, second = Pages(PAGES).records(WINDOW), Pages(PAGES).records(WINDOW)
    next(first)
    next(second)
    first.close()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the second load is still reading
    second.close()
    assert gc.get_threshold() == before


def test_a_parsed_page_body_is_freed_without_the_collector() -> None:
    # httpx keeps a response (and its body) in a reference cycle; with collections rare during a
    # load, every page's body would pile up until one ran.
    router = Router()

    @router.route("GET", "/big")
    def big(request: Request) -> Response:
        return Response.json({"items": [{"id": f"{n}", "text": "x" * 1000} for n in range(500)]})

    server = serve(router)
    responses: list[weakref.ref[httpx.Response]] = []
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{server.server_port}",
        event_hooks={"response": [lambda r: responses.append(weakref.ref(r))]},
    )
    gc.disable()  # only reference counting frees anything now
    try:
        body = APIExtractor("test", client).request_json("GET", "/big")
        assert len(body["items"]) == 500
        assert len(responses) == 1 and responses[0]() is None
    finally:
        gc.enable()
        client.close()
        server.shutdown()
        server.server_close()
