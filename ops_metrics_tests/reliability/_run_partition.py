"""A real process loading Incident.io partitions into a DuckDB file, for the crash and
concurrency tests: `python -m ops_metrics_tests.reliability._run_partition DB FIRST LAST`.
Progress (the IO manager's "staged" / "inserted" lines) goes to stderr through Dagster's console
logger, so a test can kill the process at a known point."""

from __future__ import annotations

import sys

import dagster as dg

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.conftest import FROZEN_AT


def main(path: str, first: str, last: str) -> int:
    warehouse = DuckDBWarehouse(path=path)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            incident_assets,
            resources={
                "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
                "sources": SourcesResource(
                    simulator_frozen_at=FROZEN_AT,
                    simulator_faults="soak",
                    retry_base_delay_seconds=0.0,
                ),
            },
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            },
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            raise_on_error=False,
        )
    print("RUN SUCCESS" if result.success else "RUN FAILURE", flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
