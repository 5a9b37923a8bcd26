"""One hourly-partitioned asset per Incident.io workspace, generated from the registry."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import dagster as dg

from ops_metrics.incident_io.extractor import IncidentExtractor
from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_batches, table_spec
from ops_metrics.ingestion.asset import source_asset
from ops_metrics.ingestion.extractor import incremental_window, partition_window
from ops_metrics.ingestion.outputs import load_outputs
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.ingestion.values import reference_now
from ops_metrics.ingestion.watermark import latest_watermarks
from ops_metrics.registry import INCIDENT_IO_BASE_URL, WORKSPACES, Workspace
from ops_metrics.scheduling import partitions_def
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import LoadBatch

HOURLY = partitions_def(Workspace.cadence)
# Incidents can be updated within the same second the previous window closed.
OVERLAP = timedelta(minutes=15)
BATCH_SIZE = 2000


def build_workspace_asset(workspace: Workspace) -> dg.AssetsDefinition:
    spec = table_spec(workspace)

    @source_asset(
        workspace,
        spec,
        kind="incident_io",
        description=(
            f"Incident.io workspace {workspace.name}: incidents whose `updated_at` falls in the "
            f"partition's hour, merged into `{spec.qualified}` (one row per incident id). "
            f"Detected = {workspace.detected_timestamp!r}, fixed = "
            f"{workspace.fixed_timestamp or 'none'}."
        ),
        metadata={"detected_timestamp": workspace.detected_timestamp},
    )
    def _incidents(
        context: dg.AssetExecutionContext, sources: SourcesResource
    ) -> Iterator[dg.Output[LoadBatch] | dg.AssetCheckResult]:
        partition = partition_window(context)
        previous = latest_watermarks(context, workspace.asset_key)
        window = incremental_window(partition, previous.loaded_through, OVERLAP)
        if window.start < partition.start - OVERLAP:
            context.log.warning(f"catching up from {window.start.isoformat()} (loads fell behind)")
        sources.require_live(f"incident_io/{workspace.name}", workspace.live_envs)
        api_key = sources.secret(workspace.api_key_env)
        client = sources.client(
            workspace.base_url_env,
            INCIDENT_IO_BASE_URL,
            headers={"Authorization": f"Bearer {api_key}"},
        )
        source = f"incident_io/{workspace.name}"
        extractor = IncidentExtractor(
            source,
            client,
            retry=sources.retry_policy(),
            log=context.log,
            page_budget=sources.page_budget(window.end - window.start),
            # An hour's budget per hour in the window (the overlap is not an hour of its own).
            fetch_budget=sources.fetch_budget((window.end - window.start) // timedelta(hours=1)),
        )
        transformer = DataTransformer(
            source,
            Incident,
            policy=workspace.reject_policy,
            log=context.log,
            now=reference_now(sources),
        )
        newest: list[datetime] = []

        def rows() -> Iterator[list[dict[str, Any]]]:
            with client:
                records = extractor.records(window)
                for out in incident_batches(workspace, records, transformer, BATCH_SIZE):
                    top = max(r["updated_at"] for r in out)
                    newest[:] = [max([*newest, top])]
                    yield out

        def metadata() -> dict[str, Any]:
            watermark = newest[0] if newest else previous.watermark
            return {
                "watermark": watermark.isoformat() if watermark else None,
                "loaded_through": max(
                    partition.end, previous.loaded_through or partition.end
                ).isoformat(),
                "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(),
                # Fetched by the whole-day date filter but updated outside the window.
                "records_outside_window": extractor.outside_window,
            }

        yield from load_outputs(spec, rows(), extractor, transformer, metadata)

    return _incidents


incident_assets: list[dg.AssetsDefinition] = [build_workspace_asset(ws) for ws in WORKSPACES]
