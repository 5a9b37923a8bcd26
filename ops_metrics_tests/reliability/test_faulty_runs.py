"""Whole asset runs against misbehaving simulators: transient faults change nothing (row for row
against the ground truth), a pagination loop fails the partition, invalid records are rejected
or fail the partition by the source's policy, and rejects and drift raise WARN checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import dagster as dg
import pytest

from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.incident_io.assets import build_workspace_asset, incident_assets
from ops_metrics.ingestion.checks import NO_REJECTS, NO_SCHEMA_DRIFT
from ops_metrics.registry import TOOLS, WORKSPACES, RegistryError, Workspace, workspace
from ops_metrics.simulators.faults import NULL_FIELD, UNKNOWN_FIELD, plan_from_profile
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.reliability._support import (
    faulty_sources,
    incident_rows,
    incident_truth,
    injector,
    materialize,
    partition_window,
    raw_tables,
    table_rows,
)

FIRST, LAST = "2026-03-02-00:00", "2026-03-08-23:00"
WINDOW = partition_window(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 8, 23, tzinfo=UTC))


def resources(warehouse, profile: str | None) -> dict[str, object]:
    return {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": faulty_sources(profile),
    }


def test_transient_faults_leave_exactly_what_the_api_holds(warehouse, instance, tmp_path):
    before = sum(injector("soak").injected.values())
    result = materialize(incident_assets, resources(warehouse, "soak"), instance, FIRST, LAST)
    assert result.success
    for ws in WORKSPACES:
        truth = incident_truth(ws.name, *WINDOW)
        loaded = incident_rows(warehouse, ws.name)
        assert {i: r["payload"] for i, r in loaded.items()} == truth, ws.name
    # A range run stores one materialisation per partition, all with the run's metadata.
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["rows_rejected"].value == 0
    assert sum(injector("soak").injected.values()) >= before


def test_tool_days_under_transient_faults_equal_a_clean_run(warehouse, instance, tmp_path):
    from ops_metrics.warehouse.duckdb import DuckDBWarehouse

    clean = DuckDBWarehouse(path=str(tmp_path / "clean.duckdb"))
    day = "2026-03-10"
    assert materialize(tool_assets, resources(clean, None), instance, day).success
    before = injector("soak").requests
    result = materialize(tool_assets, resources(warehouse, "soak"), instance, day)
    assert result.success
    retries = sum(
        e.materialization.metadata["api_retries"].value
        for e in result.get_asset_materialization_events()
    )
    assert retries > 0 and injector("soak").requests > before
    for t in TOOLS:
        assert table_rows(warehouse, t.raw_table) == table_rows(clean, t.raw_table), t.name


def test_a_pagination_loop_fails_the_partition_with_a_clear_error(warehouse, instance):
    result = materialize(incident_assets[:1], resources(warehouse, "loop"), instance, FIRST, LAST)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert "PaginationLoopError" in message and "does not advance" in message
    # The fetch failed before the warehouse was opened (warehouse/spool.py): nothing touched.
    assert raw_tables(warehouse) == []


def test_invalid_records_go_to_the_rejects_table_and_raise_warn_checks(warehouse, instance):
    result = materialize(incident_assets, resources(warehouse, "data"), instance, FIRST, LAST)
    assert result.success
    plan = plan_from_profile("data")
    run_id = result.run_id
    for ws in WORKSPACES:
        truth = incident_truth(ws.name, *WINDOW)
        expected_rejects = {i for i in truth if plan.rejected(i)}
        assert expected_rejects, "the window must hold a poisoned record"
        loaded = incident_rows(warehouse, ws.name)
        rejects = warehouse.query(
            "select record_id, field, reason, payload, _run_id "
            f"from raw.incident_io__{ws.name}__incidents__rejects"
        )
        rejected = {r[0] for r in rejects}
        # Nothing lost, nothing twice: every record is loaded or rejected, never both.
        assert rejected == expected_rejects
        assert set(loaded) == set(truth) - rejected
        for record_id, field, reason, payload, rejected_run in rejects:
            assert rejected_run == run_id and record_id in payload
            assert (field, reason) == (NULL_FIELD, "is required but NULL") or field == "severity"
        # Offsets: the same instant in another notation loads as the same UTC timestamp.
        for i, row in loaded.items():
            assert row["updated_at"] == datetime.fromisoformat(
                truth[i]["updated_at"].replace("Z", "+00:00")
            )
    checks = {(e.asset_key.path[1], e.check_name): e for e in result.get_asset_check_evaluations()}
    drifted = 0
    for ws in WORKSPACES:
        rejects_check = checks[(ws.name, NO_REJECTS)]
        assert not rejects_check.passed
        assert rejects_check.severity == dg.AssetCheckSeverity.WARN
        drift = checks[(ws.name, NO_SCHEMA_DRIFT)]
        new_field = any(plan.hits("unknown_field", i) for i in incident_truth(ws.name, *WINDOW))
        assert drift.passed is not new_field and drift.severity == dg.AssetCheckSeverity.WARN
        if new_field:
            drifted += 1
            assert UNKNOWN_FIELD in drift.metadata["new_fields"].value
    assert drifted
    metas = [e.materialization.metadata for e in result.get_asset_materialization_events()]
    assert all(m["rows_rejected"].value > 0 for m in metas)
    assert any(UNKNOWN_FIELD in m["schema_drift"].value["new_fields"] for m in metas)


def test_checks_pass_on_a_clean_load(warehouse, instance):
    result = materialize(incident_assets[:1], resources(warehouse, None), instance, FIRST)
    assert result.success
    assert {(e.check_name, e.passed) for e in result.get_asset_check_evaluations()} == {
        (NO_REJECTS, True),
        (NO_SCHEMA_DRIFT, True),
    }


def test_the_fail_policy_fails_the_partition_naming_record_and_field(warehouse, instance):
    strict = build_workspace_asset(replace(workspace("companya"), reject_policy="fail"))
    result = materialize([strict], resources(warehouse, "data"), instance, FIRST, LAST)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert "SchemaValidationError" in message and "incident_io/companya: record" in message
    # Nothing reaches the warehouse: it is opened only once the whole fetch is complete.
    assert raw_tables(warehouse) == []


def test_an_unknown_reject_policy_is_refused_by_name():
    with pytest.raises(RegistryError, match="reject_policy 'drop'"):
        Workspace("x", "Detected at", None, reject_policy="drop")  # type: ignore[arg-type]
