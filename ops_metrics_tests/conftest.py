"""Shared fixtures: a throwaway warehouse and the resources a run needs, all on the machine."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.sources import SourcesResource, _simulator_app
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager

# A fixed instant for the simulators: every test sees the same, complete data.
FROZEN_AT = "2026-03-20T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the developer's ./data or real credentials."""
    monkeypatch.setenv("OPS_METRICS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OPS_METRICS_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("OPS_METRICS_SOURCES", raising=False)
    monkeypatch.delenv("OPS_METRICS_TARGET", raising=False)


@pytest.fixture(autouse=True)
def _fresh_simulators() -> None:
    """Each test meets the in-process simulators as a new process would. The app is built once
    per process and setting, and its rate limiters count requests in wall time: shared across
    tests, a test waited out the quota earlier tests had spent (up to a minute for Cursor's 20
    requests a minute), and fault injectors carried other tests' request counts."""
    _simulator_app.cache_clear()


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb"))


@pytest.fixture
def resources(warehouse: DuckDBWarehouse) -> dict[str, object]:
    return {
        "warehouse": warehouse,
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SourcesResource(mode="simulated", simulator_frozen_at=FROZEN_AT),
    }


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    # In-memory storage: a single-run backfill of two weeks of hourly partitions writes about
    # 2,000 events, which SQLite's per-event fsync turns into a minute.
    inst = dg.DagsterInstance.ephemeral()
    yield inst
    inst.dispose()
