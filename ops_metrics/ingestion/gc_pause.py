"""Python's cyclic garbage collector paused while one page is validated and turned into rows.

A page of 250 incidents parses into some 75,000 lists and dicts, and validation adds a dozen
thousand models; all of them live until the page is done. The collector runs every 700
allocations and traverses every young object still alive each time, then promotes the survivors
and, every few hundred thousand promotions, traverses the whole heap (a step process holds the
code location's imports: millions of objects). None of this frees anything: parsed JSON and
models hold no reference cycles, so reference counting frees each page when it is done. It cost
about a third of the CPU per row of a load (docs/benchmarks.md, issue 19).

So the collector is paused for the span of one page and resumed after it, when the page's
objects are already gone. Between pages it would still run every 700 allocations, and each run
traversed the pages in flight (the prefetch worker's, ~75,000 containers each): about 350
collections and 2-3 s of a 100k-incident load. For the span of a load (`relaxed_collection`) the
young generation's threshold is therefore raised to YOUNG_THRESHOLD: a collection then comes only
once that many objects have outlived their page, which a load that frees each page never reaches.

Memory stays bounded because nothing large waits for the collector: httpx keeps each response in
a reference cycle (response -> stream -> response) with its whole body, so the extractor breaks
that cycle once a body is parsed (api_extractor.request_parsed) and the body is freed at once.
What cyclic garbage remains (httpx's small request objects, ~50 a page) is collected when it adds
up to the threshold.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Survivors that trigger a young collection during a load (CPython's default is 700).
YOUNG_THRESHOLD = 100_000

_relaxed = threading.Lock()
_loads = 0  # loads inside relaxed_collection, in any thread
_restore: tuple[int, int, int] | None = None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Automatic collection off for the block, then back to what it was. The switch is process
    wide; two loads in threads overlapping leave it on when the last one that found it on ends
    (at worst one of them is paused less), never off for good."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def relaxed_collection() -> Iterator[None]:
    """The young generation's threshold at least YOUNG_THRESHOLD for the block, then back to what
    it was when the last of the (possibly concurrent) blocks ends."""
    global _loads, _restore
    with _relaxed:
        if _loads == 0:
            _restore = gc.get_threshold()
            young, *older = _restore
            gc.set_threshold(max(young, YOUNG_THRESHOLD), *older)
        _loads += 1
    try:
        yield
    finally:
        with _relaxed:
            _loads -= 1
            if _loads == 0 and _restore is not None:
                gc.set_threshold(*_restore)
                _restore = None
