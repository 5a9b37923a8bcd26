"""The collector is paused while a page's records are handed out (ingestion/gc_pause.py), and a
load never leaves it off: not when it ends, not when its reader stops early or fails."""

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from ops_metrics.ingestion.extractor import BaseExtractor, Window
from ops_metrics.ingestion.gc_pause import gc_paused


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
    yield
    gc.enable()  # whatever a failed test left, the next one starts with it on


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
