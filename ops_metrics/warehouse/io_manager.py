"""The stage-and-merge IO manager: every ingestion asset's output lands through it.

An asset returns a `LoadBatch` (a lazy stream of row batches and a spec); this IO manager drains
the stream (the fetch) into a spool off the warehouse, then stages it and merges it in one
transaction and reports what happened as output metadata. A load longer than `merge_chunk_rows`
is merged chunk by chunk, each chunk while the next is fetched (warehouse/chunks.py). It knows
only the small `WarehouseResource` interface, so Snowflake is a second backend, not a second
IO manager.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from pydantic import Field

from ops_metrics.warehouse.base import Progress, WarehouseResource
from ops_metrics.warehouse.chunks import DEFAULT_CHUNK_ROWS, merged_while_fetching
from ops_metrics.warehouse.reject import Reject
from ops_metrics.warehouse.spool import Spool
from ops_metrics.warehouse.table import LOAD_LOG, MergeResult, TableSpec, rejects_spec
from ops_metrics.warehouse.writer_lock import warehouse_writer_lock


@dataclass
class LoadBatch:
    spec: TableSpec
    batches: Iterable[list[dict[str, Any]]]
    # Called after the stream is consumed: watermark, drift, extraction stats.
    metadata: Callable[[], dict[str, Any]] = lambda: {}
    rejects: Callable[[], list[Reject]] = lambda: []


class StageAndMergeIOManager(dg.ConfigurableIOManager):
    warehouse: WarehouseResource
    merge_chunk_rows: int = Field(
        default=DEFAULT_CHUNK_ROWS,
        ge=1,
        description=(
            "Rows of a load merged at a time: each full chunk is merged while the fetch fills "
            "the next (warehouse/chunks.py). A load of at most this many rows is one transaction."
        ),
    )

    def handle_output(self, context: dg.OutputContext, obj: LoadBatch) -> None:
        if not isinstance(obj, LoadBatch):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: the stage-and-merge IO manager takes a "
                f"LoadBatch, got {type(obj).__name__}"
            )
        run_id = context.run_id
        # A chunk is fetched in full into a spool before the warehouse is opened for it
        # (warehouse/spool.py, chunks.py): a slow source never holds the writer's lock, and a
        # failed fetch never touches the warehouse unless whole chunks were merged before it. The
        # lock (warehouse/writer_lock.py) covers each stage-and-merge only.
        holder = f"{context.asset_key.to_user_string()} (run {run_id})"

        def merge_chunk(spool: Spool, progress: Progress) -> MergeResult:
            with warehouse_writer_lock(self.warehouse, holder, progress):
                return self.warehouse.merge(obj.spec, spool, run_id, progress=progress)

        with merged_while_fetching(
            obj.batches,
            obj.spec,
            merge_chunk,
            self.merge_chunk_rows,
            context.log.info,
            obj.spec.qualified,
        ) as (merged, rest):
            rejects = obj.rejects()
            with warehouse_writer_lock(self.warehouse, holder, context.log.info):
                result = merged + self.warehouse.merge(
                    obj.spec, rest, run_id, progress=context.log.info
                )
                if rejects:
                    now = datetime.now(UTC)
                    self.warehouse.merge(
                        rejects_spec(obj.spec),
                        [[_reject_row(r, now) for r in rejects]],
                        run_id,
                    )
                window = _logged_window(context)
                if window is not None:
                    # After the merge, never before: a load that failed (or was killed) leaves no
                    # row, so its window counts as not loaded. The log is a separate statement
                    # from the merge; a crash between the two under-reports coverage, which is
                    # the safe side.
                    key = context.asset_key
                    self.warehouse.merge(
                        LOAD_LOG,
                        [
                            [
                                {
                                    "source": key.to_user_string(),
                                    "family": key.path[0],
                                    "window_start": window.start,
                                    "window_end": window.end,
                                    "rows_staged": result.staged,
                                    "loaded_at": datetime.now(UTC),
                                }
                            ]
                        ],
                        run_id,
                    )
        metadata: dict[str, Any] = {
            "table": obj.spec.qualified,
            **result.as_metadata(),
            "rows_rejected": len(rejects),
        }
        metadata.update(obj.metadata())
        context.log.info(
            f"{obj.spec.qualified}: {result.inserted} inserted, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.stale} stale skipped, {len(rejects)} rejected"
        )
        context.add_output_metadata(metadata)

    def load_input(self, context: dg.InputContext) -> Any:
        # Downstream models read the tables directly through dbt; nothing loads raw rows in Python.
        raise NotImplementedError(
            f"{context.upstream_output.asset_key.to_user_string() if context.upstream_output else 'input'}"
            " lives in the warehouse; read it with SQL (dbt), not as a Python input"
        )


def _logged_window(context: dg.OutputContext) -> dg.TimeWindow | None:
    """The time window this load covered: the partition, or the range of a single-run backfill.
    Unpartitioned outputs cover no period, so they are not logged."""
    if not context.has_asset_partitions or not isinstance(
        context.asset_partitions_def, dg.TimeWindowPartitionsDefinition
    ):
        return None
    return context.asset_partitions_time_window


def _reject_row(reject: Reject, now: datetime) -> dict[str, Any]:
    record_id = (
        reject.record_id or "sha256:" + hashlib.sha256(reject.payload.encode()).hexdigest()[:16]
    )
    return {
        "record_id": record_id,
        "field": reject.field,
        "reason": reject.reason,
        "payload": reject.payload,
        "rejected_at": now,
    }
