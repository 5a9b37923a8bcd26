"""A real process loading Incident.io's companya in live mode into a DuckDB file, for the test
that a hanging source holds no warehouse lock: `python -m
ops_metrics_tests.reliability._run_live DB PARTITION`. The source's key, base URL and the
transport's bounds come from the environment, as in production. Prints `RUN FAILURE: <the
failure's line>` or `RUN SUCCESS`."""

from __future__ import annotations

import sys

import dagster as dg

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.pipeline import error_line
from ops_metrics.registry import workspace
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager


def main(path: str, partition: str) -> int:
    key = workspace("companya").asset_key
    assets = [a for a in incident_assets if a.key.path == key]
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            assets,
            resources={
                "warehouse_io_manager": StageAndMergeIOManager(
                    warehouse=DuckDBWarehouse(path=path)
                ),
                "sources": SourcesResource(mode="live", retry_base_delay_seconds=0.0),
            },
            instance=instance,
            partition_key=partition,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
            raise_on_error=False,
        )
    if result.success:
        print("RUN SUCCESS", flush=True)
        return 0
    [failure] = [e for e in result.all_events if e.is_step_failure]
    print(f"RUN FAILURE: {error_line(failure.step_failure_data.error)}", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
