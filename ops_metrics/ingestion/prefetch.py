"""Read the next API page while the caller validates and stages the current one.

A load alternates between waiting for the API and CPU work on what arrived (validation, rows,
staging). Fetching in a worker thread overlaps the two; the pages still arrive in order, at most
`depth` ahead of the caller, so memory stays flat (docs/benchmarks.md, ingestion).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1
# How long closing the reader waits for the worker to notice. A worker sleeping out a long
# Retry-After is left to finish on its own (a daemon thread; it puts nothing more).
_JOIN_SECONDS = 5.0


class _Done:
    pass


def prefetched(items: Iterator[T], depth: int = 2, name: str = "prefetch") -> Iterator[T]:
    """`items` in order, produced by a worker thread up to `depth` ahead of the caller.

    An exception raised while producing is raised here, after the items produced before it.
    Closing this generator early (the caller failed or stopped) stops the worker: it takes no
    further item from `items` and closes it in its own thread."""
    slots: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_Done(), None))
        except BaseException as exc:
            put((None, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if error is not None:
                raise error
            if isinstance(item, _Done):
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(_JOIN_SECONDS)
