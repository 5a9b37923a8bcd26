"""BaseExtractor: the extraction contract every source follows."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ops_metrics.ingestion.gc_pause import gc_paused, relaxed_collection
from ops_metrics.ingestion.prefetch import prefetched
from ops_metrics.ingestion.retry import RetryPolicy


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) to extract, in UTC."""

    start: datetime
    end: datetime


@dataclass
class ExtractStats:
    requests: int = 0
    retries: int = 0
    pages: int = 0
    records: int = 0
    # Valid records no row used: another UTC day than the partition's (a vendor returns its
    # neighbours), an inactive seat. Counted so that fetched = used + rejected + skipped.
    skipped: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    # `records` and `skipped` are counted from two threads: by `read` in the caller's, and by a
    # source's reader (`skip_unread`) in the prefetch worker's while the caller reads on; a bare
    # `+=` from both could lose a count.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_records(self, count: int) -> None:
        with self._lock:
            self.records += count

    def count_skipped(self, count: int) -> None:
        with self._lock:
            self.skipped += count

    def skip_unread(self, count: int) -> None:
        """Records a source's reader fetched but passed on to no page, because they belong to
        another partition (another UTC day's bucket): fetched and skipped, never silently gone."""
        with self._lock:
            self.records += count
            self.skipped += count

    def count_retry(self, reason: str) -> None:
        self.retries += 1
        self.retry_reasons[reason] = self.retry_reasons.get(reason, 0) + 1


class ReversedPartitionRange(ValueError):
    """A partition range whose first key comes after its last (`--partition-range B...A`)."""


def partition_window(context: Any) -> Window:
    """The run's partition time window, refusing a reversed range. Dagster accepts
    `--partition-range 2026-01-05...2026-01-02` and hands the asset a window that ends before it
    starts: it would fetch nothing and succeed, so the CLI would exit 0 having loaded nothing."""
    start, end = context.partition_time_window
    if end <= start:
        keys = context.partition_key_range
        raise ReversedPartitionRange(
            f"partition range {keys.start}...{keys.end} is reversed: the first partition comes "
            f"after the last; ask for {keys.end}...{keys.start}"
        )
    return Window(start, end)


def incremental_window(partition: Window, watermark: datetime | None, overlap: timedelta) -> Window:
    """The window to fetch for a partition: the partition plus a small overlap, reaching back to
    the watermark when loads fell behind (an outage), so the next run catches up by itself.

    An old partition re-run (backfill) ignores a newer watermark: it fetches only its own window.
    """
    start = partition.start - overlap
    if watermark is not None and watermark < start:
        start = watermark
    return Window(start, partition.end)


class BaseExtractor(ABC):
    """Pages of records for a window, with retries (via `retry`), stats and a batch iterator that
    keeps memory flat: nothing holds more than a few pages plus one batch at a time."""

    def __init__(
        self, source: str, retry: RetryPolicy | None = None, log: logging.Logger | None = None
    ):
        self.source = source
        self.retry = retry or RetryPolicy()
        self.log = log or logging.getLogger(f"ops_metrics.{source}")
        self.stats = ExtractStats()

    @abstractmethod
    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        """Yield the source's records for `window`, one API page at a time."""

    def records(self, window: Window) -> Iterator[dict[str, Any]]:
        return self.read(self.pages(window))

    def read(self, pages: Iterator[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
        """The records of `pages`, counted in `stats`: the one path every source's pages take.
        The next page is requested while the caller works on this one (ingestion/prefetch.py)."""
        with relaxed_collection():
            for page in prefetched(pages, name=f"{self.source} pages"):
                self.stats.pages += 1
                # The caller validates and builds rows from this page's records while we yield
                # them: no garbage collection meanwhile (ingestion/gc_pause.py).
                with gc_paused():
                    handed = 0
                    try:
                        for record in page:
                            handed += 1
                            yield record
                    finally:
                        self.stats.count_records(handed)

    def batches(self, window: Window, batch_size: int = 2000) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for record in self.records(window):
            batch.append(record)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
