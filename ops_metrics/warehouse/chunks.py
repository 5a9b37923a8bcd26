"""A long load merged chunk by chunk while its fetch goes on.

The IO manager used to spool the whole fetch and only then merge it: on 100k incidents the merge
was a third of the load's wall clock, spent on one core while the other idled (docs/benchmarks.md,
issue 19). DuckDB works without Python's interpreter lock, so a merge on a worker thread runs
beside the fetch, which is Python all the way. `merged_while_fetching` therefore spools `chunk_rows`
rows at a time; each full chunk is merged on the worker while the fetch fills the next, and the
last chunk is handed back to be merged by the caller (with the rejects and the load log, under
one writer lock).

What the spool rule protects still holds: a chunk is merged only once it has been fetched in full,
so a slow or hanging source never holds the warehouse writer lock (the caller's `merge` takes it
per chunk). What changes for a load longer than one chunk:
- a fetch that fails after its first chunk leaves the chunks merged before it in the table. They
  are correct rows (the merge keeps the newest version of each key, in whatever order chunks
  come), and the load log and the watermark still count the window as not loaded, so the retry
  reloads it;
- the counts are the chunks' merges added up: a key in two chunks is inserted by the first, then
  updated, unchanged or stale in the second, rather than counted as a duplicate in the batch.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait

from ops_metrics.warehouse import allocator
from ops_metrics.warehouse.base import Progress, Rows
from ops_metrics.warehouse.spool import Spool
from ops_metrics.warehouse.table import MergeResult, TableSpec

# A chunk's merge takes ~2 s on a laptop for incidents (~6 kB a row): long enough that its fixed
# costs (session, writer lock, the key scan of the target) stay small, short enough that the last
# chunk, merged after the fetch, is a small part of a long load. The IO manager's
# `merge_chunk_rows` sets it.
DEFAULT_CHUNK_ROWS = 20_000
# How often the interpreter offers its lock to another thread (CPython's default is 5 ms). The
# merge thread needs it only briefly (to hand DuckDB each batch and to return from a statement),
# but waited up to 5 ms each time behind the fetch: 5.5 s for a 2 s merge of 20k incidents.
MERGE_SWITCH_INTERVAL = 0.0005
# How long the fetch waits for a merge at a time before passing on the merge's progress lines.
_WAIT_SECONDS = 1.0

MergeChunk = Callable[[Spool, Progress], MergeResult]


@contextlib.contextmanager
def merged_while_fetching(
    batches: Iterable[Rows],
    spec: TableSpec,
    merge: MergeChunk,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
    label: str = "",
) -> Iterator[tuple[MergeResult, Spool]]:
    """Drain `batches` (the whole fetch), merging every full chunk of `chunk_rows` rows with
    `merge(spool, progress)` on a worker thread as soon as it is spooled; yield what those merges
    did and the spool of the rest (possibly empty), for the caller to merge."""
    if chunk_rows < 1:
        raise ValueError(f"{label}: merge_chunk_rows must be at least 1, got {chunk_rows}")
    # Progress lines of the worker's merges reach `progress` from this thread only: Dagster's
    # log calls are made where the step runs.
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()

    def say_pending() -> None:
        while not lines.empty():
            line = lines.get()
            if progress:
                progress(line)

    def merge_and_close(spool: Spool) -> MergeResult:
        try:
            with _short_switch_interval():
                return merge(spool, lines.put)
        finally:
            spool.close()

    # Arrow's default pool (mimalloc) would keep the spooled batches' freed memory for the rest
    # of the process; the system pool returns it (allocator.py).
    allocator.use_system_arrow_pool()
    merged = MergeResult()
    spool = Spool.temporary(spec)
    pending: Future[MergeResult] | None = None
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="ops_metrics_merge") as worker:
            try:
                for batch in batches:
                    spool.write(batch)
                    say_pending()
                    if pending is not None and pending.done():
                        done, pending = pending, None
                        merged += done.result()  # a failed merge stops the fetch here
                    if spool.rows >= chunk_rows:
                        if pending is not None:
                            done, pending = pending, None
                            merged += _wait_for(done, say_pending)
                        pending = worker.submit(merge_and_close, spool)  # closes it when done
                        spool = Spool.temporary(spec)
                if pending is not None:
                    done, pending = pending, None
                    merged += _wait_for(done, say_pending)
            finally:
                _close(batches)
                # A fetch that failed waits for the merge in flight (leaving the worker waits
                # too); what that merge said is still worth seeing. (A merge that failed itself
                # is no longer pending: its error is the one raised.)
                if pending is not None:
                    wait([pending])
                    failed = pending.exception()
                    if failed is not None and progress:
                        progress(f"{label}: the merge of an earlier chunk failed too: {failed}")
                say_pending()
        if progress:
            progress(
                f"{label}: fetched {merged.staged + spool.rows} rows"
                + (f" ({merged.staged} merged while fetching)" if merged.staged else "")
                + "; opening the warehouse to merge"
            )
        yield merged, spool
    finally:
        spool.close()


def _wait_for(pending: Future[MergeResult], say_pending: Callable[[], None]) -> MergeResult:
    while not wait([pending], timeout=_WAIT_SECONDS).done:
        say_pending()
    say_pending()
    return pending.result()


def _close(batches: Iterable[Rows]) -> None:
    # A fetch abandoned (a merge failed) closes its stream now, and with it the HTTP client.
    close = getattr(batches, "close", None)
    if callable(close):
        close()


_switch = threading.Lock()
_merging = 0  # merges in flight inside _short_switch_interval, in any thread
_restore: float | None = None


@contextlib.contextmanager
def _short_switch_interval() -> Iterator[None]:
    """The interpreter's switch interval at most MERGE_SWITCH_INTERVAL while a merge runs beside
    a fetch, then back to what it was when the last such merge ends."""
    global _merging, _restore
    with _switch:
        if _merging == 0:
            _restore = sys.getswitchinterval()
            sys.setswitchinterval(min(_restore, MERGE_SWITCH_INTERVAL))
        _merging += 1
    try:
        yield
    finally:
        with _switch:
            _merging -= 1
            if _merging == 0 and _restore is not None:
                sys.setswitchinterval(_restore)
                _restore = None
