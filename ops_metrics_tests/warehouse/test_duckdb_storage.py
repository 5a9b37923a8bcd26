"""How the DuckDB backend stores raw tables (the merge contract itself: test_merge_contract.py)."""

from pathlib import Path

from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics_tests.warehouse.test_merge_contract import SPEC, T0, rows


def test_raw_json_payloads_are_stored_with_zstd(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.merge(SPEC, [rows(5000, T0)], "run-1")
    compression = warehouse.query(
        "select distinct compression from pragma_storage_info('raw.things') "
        "where column_name = 'payload' and segment_type <> 'VALIDITY'"
    )
    assert compression == [("ZSTD",)]
