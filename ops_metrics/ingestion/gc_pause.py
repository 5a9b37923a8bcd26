"""Python's cyclic garbage collector paused while one page is validated and turned into rows.

A page of 250 incidents parses into some 75,000 lists and dicts, and validation adds a dozen
thousand models; all of them live until the page is done. The collector runs every 700
allocations and traverses every young object still alive each time, then promotes the survivors
and, every few hundred thousand promotions, traverses the whole heap (a step process holds the
code location's imports: millions of objects). None of this frees anything: parsed JSON and
models hold no reference cycles, so reference counting frees each page when it is done. It cost
about a third of the CPU per row of a load (docs/benchmarks.md, issue 19).

So the collector is paused for the span of one page and resumed after it, when the page's
objects are already gone: the first collection after it traverses only what survives (the next
pages in flight). Anything that does form cycles meanwhile (httpx keeps each response in one)
waits at most one page to be collected, so memory stays bounded by a page, not by the load.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
