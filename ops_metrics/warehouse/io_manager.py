"""The stage-and-merge IO manager: every ingestion asset's output lands through it.

An asset returns a `LoadBatch` (a lazy stream of row batches and a spec); this IO manager drains
the stream (the fetch) into a spool off the warehouse, then stages it and merges it in one
transaction and reports what happened as output metadata. It knows
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

from ops_metrics.warehouse.base import WarehouseResource
from ops_metrics.warehouse.reject import Reject
from ops_metrics.warehouse.spool import spooled
from ops_metrics.warehouse.table import LOAD_LOG, TableSpec, rejects_spec
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

    def handle_output(self, context: dg.OutputContext, obj: LoadBatch) -> None:
        if not isinstance(obj, LoadBatch):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: the stage-and-merge IO manager takes a "
                f"LoadBatch, got {type(obj).__name__}"
            )
        run_id = context.run_id
        # The fetch completes into the spool before the warehouse is opened (warehouse/spool.py):
        # a slow source never holds the writer's lock, and a failed fetch never touches it. The
        # lock (warehouse/writer_lock.py) covers the stage-and-merge only.
        holder = f"{context.asset_key.to_user_string()} (run {run_id})"
        with spooled(obj.batches, obj.spec, context.log.info, obj.spec.qualified) as batches:
            rejects = obj.rejects()
            with warehouse_writer_lock(self.warehouse, holder, context.log.info):
                result = self.warehouse.merge(obj.spec, batches, run_id, progress=context.log.info)
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
