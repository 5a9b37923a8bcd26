"""Fetch first, then open the warehouse: row batches spooled to a temporary file.

An ingestion asset's rows are a lazy stream: consuming it is what fetches from the vendor. Staged
straight into the warehouse, a slow or hanging source would hold the warehouse open for as long
as it takes, and DuckDB's single writer lock with it: every other source's load waits, then
fails. The IO manager instead drains the stream into a spool off the warehouse, batch by batch
(memory stays at one batch), and opens the warehouse for the stage-and-merge only once the fetch
is complete; a fetch that fails never touches the warehouse at all.

The spool is an anonymous temporary file (unlinked on creation, so a crash leaves nothing
behind), written and read only by this process: pickle keeps each row's Python values exactly as
the asset produced them (aware datetimes, dates, None), so the merge sees what it would have seen
from the stream.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

Batch = list[dict[str, Any]]


class Spool:
    """Batches written in order, then read back in order, one at a time."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.batches = 0
        self.rows = 0

    def write(self, batch: Batch) -> None:
        if not batch:
            return
        pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1
        self.rows += len(batch)

    def __iter__(self) -> Iterator[Batch]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self._file)  # our own file, written just above


@contextlib.contextmanager
def spooled(
    batches: Iterable[Batch], progress: Callable[[str], None] | None = None, label: str = ""
) -> Iterator[Spool]:
    """Drain `batches` (the whole fetch) into a spool, and yield it for the merge."""
    with tempfile.TemporaryFile(prefix="ops_metrics_spool_") as file:
        spool = Spool(file)
        for batch in batches:
            spool.write(batch)
        if progress:
            progress(f"{label}: fetched {spool.rows} rows; opening the warehouse to merge")
        yield spool
