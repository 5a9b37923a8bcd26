"""Named jobs for the runs a person launches: one ingest job per source, and one job for the models
and dashboards downstream of them.

`ops-metrics demo` runs these (so its runs read `ingest_incident_io__companya`, not
`__ephemeral_asset_job__`), and the code location lists them, so a run can be relaunched from the
UI under the same name. The scheduled jobs (one per source family, with their dbt models) are in
`scheduling.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.scheduling import SOURCE_TAG

MODELS_JOB = "models_and_dashboards"


def ingest_job_name(asset_key: dg.AssetKey) -> str:
    """`ingest_<family>__<name>` for a registry asset key (`<family>/<name>/<entity>`)."""
    path = asset_key.path
    return "ingest_" + "__".join(path[:2] if len(path) == 3 else path)


def ingest_job(
    asset_key: dg.AssetKey, description: str | None = None
) -> dg.UnresolvedAssetJobDefinition:
    """One source's asset alone. Tagged with its family, as the scheduled job of that family is:
    the run queue then never runs both on one source at once (they would race on its watermark)."""
    return dg.define_asset_job(
        ingest_job_name(asset_key),
        selection=dg.AssetSelection.assets(asset_key),
        tags={SOURCE_TAG: asset_key.path[0]},
        description=description or f"Load {asset_key.to_user_string()} (one source, no models).",
    )


def models_job(selection: dg.AssetSelection) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        MODELS_JOB,
        selection=selection,
        description="Every dbt model (with its data tests) and the dashboards, from what raw holds.",
    )


def source_ingest_jobs() -> list[dg.UnresolvedAssetJobDefinition]:
    """An ingest job per registry entry."""
    jobs = [
        ingest_job(dg.AssetKey(ws.asset_key), f"Load the Incident.io workspace `{ws.name}`.")
        for ws in WORKSPACES
    ]
    jobs += [
        ingest_job(dg.AssetKey(t.asset_key), f"Load the usage of {t.vendor} (`{t.name}`).")
        for t in TOOLS
    ]
    return jobs


def downstream_of_sources(ingestion_keys: Sequence[dg.AssetKey]) -> dg.AssetSelection:
    """Everything materialisable that is not a source's ingestion asset: the dbt models (seeds
    included) and the dashboards."""
    return dg.AssetSelection.all() - dg.AssetSelection.assets(*ingestion_keys)
