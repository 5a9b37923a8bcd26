"""Shared helpers of the reliability suite: runs under a fault profile, ground truth, table dumps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from ops_metrics.incident_io.assets import OVERLAP
from ops_metrics.simulators.app import SimulatorOptions
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.faults import FaultInjector
from ops_metrics.simulators.http import Router
from ops_metrics.simulators.incident_io import incident_universe
from ops_metrics.sources import SourcesResource, simulator_app
from ops_metrics.warehouse.base import WarehouseResource
from ops_metrics_tests.conftest import FROZEN_AT

NOW = datetime.fromisoformat(FROZEN_AT)
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
LOAD_COLUMNS = {"_extracted_at", "_loaded_at", "_run_id"}


def faulty_sources(profile: str | None, **knobs: Any) -> SourcesResource:
    """Simulated sources under a fault profile; unit tests never really wait (no backoff)."""
    return SourcesResource(
        simulator_frozen_at=FROZEN_AT,
        simulator_faults=profile,
        retry_base_delay_seconds=0.0,
        **knobs,
    )


def injector(profile: str) -> FaultInjector:
    """The fault injector of the in-process simulator a `faulty_sources(profile)` run talks to."""
    return injector_of(simulator_app(None, FROZEN_AT, profile))


def injector_of(router: Router) -> FaultInjector:
    [found] = [m for m in router.middleware if isinstance(m, FaultInjector)]
    return found


def materialize(
    assets: list[Any],
    resources: dict[str, Any],
    instance: dg.DagsterInstance,
    first: str,
    last: str | None = None,
) -> dg.ExecuteInProcessResult:
    tags = {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last or first,
    }
    return dg.materialize(
        assets,
        resources=resources,
        instance=instance,
        tags=tags,
        run_config=QUIET,
        raise_on_error=False,
    )


def partition_window(first_hour: datetime, last_hour: datetime) -> tuple[datetime, datetime]:
    """The updated_at window a fresh load of hourly partitions first..last fetches."""
    return first_hour - OVERLAP, last_hour + timedelta(hours=1)


def incident_truth(workspace: str, start: datetime, end: datetime) -> dict[str, dict[str, Any]]:
    """Ground truth: every payload the API holds at NOW with updated_at in [start, end]."""
    universe = incident_universe(workspace, SimulatorOptions(clock=fixed_clock(NOW)))
    out = {}
    for payload in universe.visible(NOW):
        updated = _ts(payload["updated_at"])
        if start <= updated <= end:
            out[payload["id"]] = payload
    return out


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def incident_rows(warehouse: WarehouseResource, workspace: str) -> dict[str, dict[str, Any]]:
    """id -> {updated_at (aware), payload (parsed)} for the loaded table."""
    rows = warehouse.query(
        f"select id, updated_at, payload from raw.incident_io__{workspace}__incidents"
    )
    return {i: {"updated_at": u.replace(tzinfo=UTC), "payload": json.loads(p)} for i, u, p in rows}


def table_rows(warehouse: WarehouseResource, name: str, skip: set[str] = LOAD_COLUMNS) -> list:
    """Every row of raw.<name>, load columns left out, in a stable order."""
    columns = [
        c
        for (c,) in warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [name],
        )
    ]
    chosen = ", ".join(c for c in columns if c not in skip)
    return warehouse.query(f"select {chosen} from raw.{name} order by all")


def raw_tables(warehouse: WarehouseResource) -> list[str]:
    return [
        name
        for (name,) in warehouse.query(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        )
    ]
