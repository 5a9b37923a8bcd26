"""Pages read ahead in a worker thread (ingestion/prefetch.py): same order, same errors, and a
reader that stops early stops the worker."""

from collections.abc import Iterator

import pytest

from ops_metrics.ingestion.prefetch import prefetched


def test_every_item_arrives_in_order() -> None:
    assert list(prefetched(iter(range(500)), depth=2)) == list(range(500))


def test_an_error_arrives_after_the_items_produced_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("page 3 failed")

    seen = []
    with pytest.raises(ConnectionError, match="page 3 failed"):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == [1, 2]


def test_a_reader_that_stops_early_stops_the_worker_and_closes_the_source() -> None:
    taken: list[int] = []
    closed: list[bool] = []

    def pages() -> Iterator[int]:
        try:
            for n in range(10_000):
                taken.append(n)
                yield n
        finally:
            closed.append(True)

    reader = prefetched(pages(), depth=2)
    assert next(reader) == 0
    reader.close()  # joins the worker
    assert closed == [True]
    assert len(taken) <= 1 + 2 + 1  # the one read, the queue's depth, one waiting to be put
