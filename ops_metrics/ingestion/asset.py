"""The one `@dg.asset` decorator every ingestion asset is built with, from its registry entry.

A workspace and a tool differ in their values (kinds, description, metadata), not in how they are
declared: partitions and owner come from the family's registry cadence, group from the family,
and every source gets the same backfill policy, IO manager and checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import dagster as dg

from ops_metrics.ingestion.checks import ingestion_check_specs
from ops_metrics.registry import Tool, Workspace
from ops_metrics.scheduling import partitions_def
from ops_metrics.warehouse.table import TableSpec


def source_asset(
    source: Workspace | Tool,
    spec: TableSpec,
    *,
    kind: str,
    description: str,
    metadata: Mapping[str, Any],
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """Decorate a source's compute function as its ingestion asset."""
    return dg.asset(
        key=source.asset_key,
        partitions_def=partitions_def(source.cadence),
        backfill_policy=dg.BackfillPolicy.single_run(),
        io_manager_key="warehouse_io_manager",
        group_name=source.family,
        # No pool: fetches run in parallel; the IO manager's writer lock serialises the merges.
        # The graph labels a node with the key's last part ("incidents", "daily_usage" many
        # times): the kinds, owners and the description's first words say which source it is.
        kinds={"python", kind},
        owners=[source.cadence.owner],
        description=description,
        metadata={"table": spec.qualified, **metadata, "reject_policy": source.reject_policy},
        check_specs=ingestion_check_specs(source.asset_key, spec.qualified),
    )
