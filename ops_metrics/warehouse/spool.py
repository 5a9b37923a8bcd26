"""Fetch first, then open the warehouse: row batches spooled to a temporary file.

An ingestion asset's rows are a lazy stream: consuming it is what fetches from the vendor. Staged
straight into the warehouse, a slow or hanging source would hold the warehouse open for as long
as it takes, and DuckDB's single writer lock with it: every other source's load waits, then
fails. The IO manager instead drains the stream into a spool off the warehouse, batch by batch
(memory stays at one batch), and opens the warehouse for the stage-and-merge only once the fetch
is complete; a fetch that fails never touches the warehouse at all. (A load longer than a chunk is
spooled and merged chunk by chunk, each chunk fetched in full first: warehouse/chunks.py.)

The spool is an anonymous temporary file (unlinked on creation, so a crash leaves nothing
behind), written and read only by this process, as an Arrow IPC stream: each batch is converted
to the table's Arrow columns once (base.arrow_columns, the conversion staging would do anyway)
and read back as those columns, which the merge stages as they are. Pickling each row's dict and
unpickling it cost ~15 us a row on incident rows; this costs ~5 (docs/benchmarks.md, "Issue 19,
round 3"). The values are those staging would have built from the dicts (aware datetimes become
their UTC instant then as before), so the merge sees what it would have seen from the stream.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

import pyarrow as pa

from ops_metrics.warehouse.base import Rows, arrow_columns
from ops_metrics.warehouse.table import TableSpec

# Rows converted and written at a time. A whole 2,000-row batch as Arrow (~12 MB of payload text,
# copied again on its way into the file) beside the batch's dicts raised the fetch's peak by
# ~8 MB; slices keep that transient small. The merge still stages whole batches (`__iter__`).
SLICE_ROWS = 250


class Spool:
    """Batches written in order, then read back in order (as Arrow tables), one at a time."""

    def __init__(self, file: IO[bytes], spec: TableSpec) -> None:
        self._file = file
        self._spec = spec
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None
        self._slices: list[int] = []  # record batches in the file per written batch
        self.batches = 0
        self.rows = 0

    @classmethod
    def temporary(cls, spec: TableSpec) -> Spool:
        """A spool in its own anonymous temporary file, deleted by `close` (or by the OS when the
        process dies)."""
        return cls(tempfile.TemporaryFile(prefix="ops_metrics_spool_"), spec)

    def close(self) -> None:
        self._file.close()

    def write(self, batch: Rows) -> None:
        if not len(batch):
            return
        slices = 0
        for start in range(0, len(batch), SLICE_ROWS):
            part = batch[start : start + SLICE_ROWS]
            table = part if isinstance(part, pa.Table) else arrow_columns(part, self._spec)
            if self._writer is None:
                self._writer = pa.ipc.new_stream(self._file, table.schema)
            for record_batch in table.to_batches():
                self._writer.write_batch(record_batch)
                slices += 1
        self._slices.append(slices)
        self.batches += 1
        self.rows += len(batch)

    def __iter__(self) -> Iterator[pa.Table]:
        if self._writer is not None:
            self._writer.close()  # the end-of-stream marker; the file stays open
            self._writer = None
        if not self.batches:
            return
        self._file.flush()
        self._file.seek(0)
        reader = pa.ipc.open_stream(self._file)
        # Batch by batch, reassembled from its slices: only the batch being staged is in memory.
        for slices in self._slices:
            yield pa.Table.from_batches([reader.read_next_batch() for _ in range(slices)])
