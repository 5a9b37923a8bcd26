"""End to end: the dbt project built by Dagster on the hand-made raw fixture.

One build is shared by the module (dbt on 2 cores is slow); the late-update and full-refresh
checks run afterwards on the same warehouse file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from ops_metrics.dbt.assets import ops_metrics_dbt_assets
from ops_metrics.dbt.project import ops_metrics_dbt_project
from ops_metrics_tests.dbt.raw_fixture import (
    LATE_UPDATE_ID,
    LATER_MERGED_ID,
    MART_COLUMNS,
    MARTS,
    apply_late_updates,
    create_raw_tables,
)

pytestmark = pytest.mark.slow

LAYERS = ("staging", "intermediate", "marts")


@dataclass
class Warehouse:
    path: Path
    now: datetime
    result: dg.ExecuteInProcessResult
    dbt: DbtCliResource

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def marts(self) -> dict[str, list[tuple]]:
        return {m: self.query(f"select {MART_COLUMNS} from marts.{m} order by all") for m in MARTS}


@pytest.fixture(scope="module")
def dbt_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("dbt") / "dbt_warehouse.duckdb"
    now = datetime.now(UTC).replace(tzinfo=None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPS_METRICS_DUCKDB_PATH", str(path))
        mp.setenv("OPS_METRICS_TARGET", "duckdb")
        create_raw_tables(path, now)
        dbt = DbtCliResource(project_dir=ops_metrics_dbt_project, target="duckdb")
        result = dg.materialize(
            [ops_metrics_dbt_assets], resources={"dbt": dbt}, raise_on_error=False
        )
        yield Warehouse(path, now, result, dbt)


@pytest.fixture(autouse=True)
def _shared_warehouse_env(
    _isolated_home: None, dbt_warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The root conftest isolates every test's environment; point dbt back at the shared file."""
    monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(dbt_warehouse.path))


@pytest.fixture(scope="module")
def late_update_runs(dbt_warehouse: Warehouse) -> dict[str, dict[str, list[tuple]]]:
    """Late updates, then an incremental build, then a full refresh (the run config a user sets
    in the launchpad); marts after each."""
    apply_late_updates(dbt_warehouse.path, dbt_warehouse.now)
    resources = {"dbt": dbt_warehouse.dbt}
    assert dg.materialize([ops_metrics_dbt_assets], resources=resources).success
    incremental = dbt_warehouse.marts()
    full = {"ops": {"ops_metrics_dbt_assets": {"config": {"full_refresh": True}}}}
    result = dg.materialize([ops_metrics_dbt_assets], resources=resources, run_config=full)
    assert result.success
    assert "--full-refresh" in dbt_run_results(result)["args"]["invocation_command"]
    return {"incremental": incremental, "full_refresh": dbt_warehouse.marts()}


def dbt_run_results(result: dg.ExecuteInProcessResult) -> dict:
    """run_results.json of the dbt invocation of a Dagster run (dagster-dbt gives each its own
    target folder, named after the op and the run)."""
    target = Path(ops_metrics_dbt_project.project_dir) / "target"
    (path,) = target.glob(f"ops_metrics_dbt_assets-{result.run_id[:7]}-*/run_results.json")
    return json.loads(path.read_text())


def test_dagster_dbt_build_passes_with_only_the_expected_warning(dbt_warehouse: Warehouse) -> None:
    assert dbt_warehouse.result.success
    failed = [e for e in dbt_warehouse.result.get_asset_check_evaluations() if not e.passed]
    # The only failing check is the warning that counts negative durations (one retrospective).
    assert [(e.check_name, e.severity) for e in failed] == [
        ("assert_negative_incident_durations_counted", dg.AssetCheckSeverity.WARN)
    ]
    materialized = {
        m.asset_key.path[-1]
        for m in dbt_warehouse.result.get_asset_materialization_events()
        for m in [m.materialization]
    }
    assert set(MARTS) <= materialized
    # Unit tests belong to CI (test_unit_tests_pass), not to every scheduled run. The operation
    # is the on-run-start upgrade check (macros/upgrades.sql).
    ran = {r["unique_id"].split(".")[0] for r in dbt_run_results(dbt_warehouse.result)["results"]}
    assert ran == {"operation", "model", "seed", "test"}


def test_unit_tests_pass(dbt_warehouse: Warehouse) -> None:
    invocation = dbt_warehouse.dbt.cli(
        ["test", "--resource-type", "unit_test"], raise_on_error=False
    ).wait()
    results = invocation.get_artifact("run_results.json")["results"]
    assert len(results) >= 8
    # Unit tests pass; the on-run-start upgrade check (an operation) succeeds.
    expected = {"unit_test": "pass", "operation": "success"}
    statuses = {r["unique_id"]: r["status"] for r in results}
    assert {u: s for u, s in statuses.items() if s != expected.get(u.split(".")[0])} == {}


def test_source_freshness_passes(dbt_warehouse: Warehouse) -> None:
    assert (
        dbt_warehouse.dbt.cli(["source", "freshness"], raise_on_error=False).wait().is_successful()
    )


def test_no_raw_email_outside_raw(dbt_warehouse: Warehouse) -> None:
    columns = dbt_warehouse.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts')"
    )
    assert {c[0] for c in columns} == set(LAYERS)
    leaks = []
    # One connection for every column (opening the file per query was ~10 s of this test).
    with duckdb.connect(str(dbt_warehouse.path), read_only=True) as con:
        for schema, table, column in columns:
            assert "email" not in column.lower() or column.lower().endswith("_hash"), column
            (hits,) = con.execute(
                f"select count(*) from {schema}.{table} "
                f"where cast(\"{column}\" as varchar) like '%@%'"
            ).fetchone()
            if hits:
                leaks.append(f"{schema}.{table}.{column}")
    assert leaks == []


def test_negative_durations_are_null_in_the_mart(dbt_warehouse: Warehouse) -> None:
    rows = dbt_warehouse.query(
        "select ttd_sec, ttr_sec, tts_sec from marts.fct_ops__incidents where incident_key = ?",
        ["companya:01A2"],
    )
    assert rows == [(None, 7200.0, None)]
    negatives = dbt_warehouse.query(
        "select count(*) from marts.fct_ops__incidents "
        "where ttd_sec < 0 or ttr_sec < 0 or tts_sec < 0"
    )
    assert negatives == [(0,)]


def test_mart_contract(dbt_warehouse: Warehouse) -> None:
    keys = {r[0] for r in dbt_warehouse.query("select incident_key from marts.fct_ops__incidents")}
    # Ids shared by two workspaces stay apart; declined / merged / canceled / test are left out.
    assert {"companya:01SHARED", "companyb:01SHARED"} <= keys
    assert not keys & {"companya:01A3", "companya:01A6", "companyb:01B2", "companyc:01C2"}
    fixed = dbt_warehouse.query(
        "select count(fixed_at) from marts.fct_ops__incidents where workspace = 'companyc'"
    )
    assert fixed == [(0,)]


def test_late_update_reaches_the_mart_on_the_next_incremental_run(
    dbt_warehouse: Warehouse, late_update_runs: dict[str, dict[str, list[tuple]]]
) -> None:
    incidents = late_update_runs["incremental"]["fct_ops__incidents"]
    late = [r for r in incidents if r[0] == f"companya:{LATE_UPDATE_ID}"]
    assert len(late) == 1
    columns = [
        r[0]
        for r in dbt_warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'fct_ops__incidents' and column_name <> '_dbt_built_at' "
            "order by ordinal_position"
        )
    ]
    row = dict(zip(columns, late[0], strict=True))
    assert (row["severity"], row["status_category"]) == ("SEV1", "closed")
    assert not [r for r in incidents if r[0] == f"companyb:{LATER_MERGED_ID}"]


def test_full_refresh_equals_incremental(
    late_update_runs: dict[str, dict[str, list[tuple]]],
) -> None:
    incremental, full = late_update_runs["incremental"], late_update_runs["full_refresh"]
    for mart in MARTS:
        assert incremental[mart] == full[mart], mart
