"""DuckDB's memory cap during a merge is a setting: OPS_METRICS_DUCKDB_MEMORY_LIMIT reaches the
code location's warehouse, a malformed value is refused naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops_metrics import definitions, settings
from ops_metrics.settings import ConfigurationError
from ops_metrics.warehouse.duckdb import DuckDBWarehouse, MergeMemoryError
from ops_metrics_tests.warehouse.test_merge_contract import SPEC, T0, rows


def test_the_code_locations_warehouse_takes_the_cap_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPS_METRICS_TARGET", raising=False)
    monkeypatch.delenv(settings.DUCKDB_MEMORY_LIMIT_ENV, raising=False)
    warehouse = definitions.warehouse_resource()
    assert isinstance(warehouse, DuckDBWarehouse)
    assert warehouse.merge_memory_limit == settings.DEFAULT_DUCKDB_MEMORY_LIMIT
    monkeypatch.setenv(settings.DUCKDB_MEMORY_LIMIT_ENV, "1GB")
    assert definitions.warehouse_resource().merge_memory_limit == "1GB"


@pytest.mark.parametrize("raw", ["lots", "128", "-1GB", "1 GB please"])
def test_a_malformed_cap_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(settings.DUCKDB_MEMORY_LIMIT_ENV, raw)
    with pytest.raises(ConfigurationError, match=settings.DUCKDB_MEMORY_LIMIT_ENV):
        definitions.warehouse_resource()


def test_a_load_merges_under_the_cap_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A value the check lets through is one DuckDB accepts (DuckDB would refuse a bad size).
    monkeypatch.setenv(settings.DUCKDB_MEMORY_LIMIT_ENV, "96MiB")
    warehouse = DuckDBWarehouse(
        path=str(tmp_path / "w.duckdb"), merge_memory_limit=settings.duckdb_memory_limit()
    )
    result = warehouse.merge(SPEC, [rows(2, T0)], run_id="r")
    assert result.inserted == 2


def test_a_merge_that_outgrows_the_cap_fails_naming_the_setting_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"), merge_memory_limit="1MB")
    with pytest.raises(MergeMemoryError, match=f"1MB \\({settings.DUCKDB_MEMORY_LIMIT_ENV}\\)"):
        warehouse.merge(SPEC, [rows(100, T0)], run_id="r")
    roomy = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    assert roomy.query(f"select count(*) from {SPEC.qualified}") == [(0,)]
