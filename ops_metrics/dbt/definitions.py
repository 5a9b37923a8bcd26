"""The dbt part of the code location; ops_metrics/definitions.py merges it."""

from __future__ import annotations

import dagster as dg

from ops_metrics.dbt.assets import dbt_resource, ops_metrics_dbt_assets
from ops_metrics.dbt.translator import LOAD_LOG_ASSET

defs = dg.Definitions(
    assets=[ops_metrics_dbt_assets, LOAD_LOG_ASSET],
    resources={"dbt": dbt_resource()},
)
