"""Stage-and-merge on Snowflake, emulated by fakesnow: what is particular to it (the shared contract is test_merge_contract.py).

In-process tests patch `snowflake.connector.connect` (dagster-snowflake calls it through the
module, so the patch reaches its connections). One slow test goes through fakesnow's HTTP server
with the real connector, configured from the environment like a deployment.
"""

from datetime import datetime, timedelta

import dagster as dg
import fakesnow
import pytest
import snowflake.connector.pandas_tools as pandas_tools
from dagster_snowflake import SnowflakeResource

from ops_metrics.warehouse import merge_sql
from ops_metrics.warehouse.base import arrow_batch
from ops_metrics.warehouse.io_manager import LoadBatch, StageAndMergeIOManager
from ops_metrics.warehouse.snowflake import (
    JSON_CMP,
    JSON_PARSE,
    NOW,
    SnowflakeWarehouse,
    _pandas,
    snowflake_warehouse_from_env,
)
from ops_metrics.warehouse.table import TableSpec
from ops_metrics_tests.warehouse.test_merge_contract import SPEC, T0, rows


@pytest.fixture
def warehouse():
    with fakesnow.patch():
        resource = SnowflakeResource(
            account="test", user="test", password="test", database="OPS", paramstyle="qmark"
        )
        yield SnowflakeWarehouse(snowflake=resource, emulator=True)


def table(warehouse: SnowflakeWarehouse) -> list[tuple]:
    return warehouse.query("select * from raw.things order by id")


def test_a_merge_failing_after_it_wrote_rolls_back_everything(warehouse, monkeypatch):
    warehouse.merge(SPEC, [rows(4, T0)], "seed")
    before = table(warehouse)
    real = SnowflakeWarehouse._merge_statements
    # The update and insert run, then the merge step fails before COMMIT.
    monkeypatch.setattr(
        SnowflakeWarehouse,
        "_merge_statements",
        lambda self, spec, staged: [
            *real(self, spec, staged),
            "insert into raw.nowhere values (1)",
        ],
    )
    with pytest.raises(Exception, match=r"(?i)nowhere"):
        warehouse.merge(SPEC, [rows(8, T0 + timedelta(hours=1), value=3)], "fails")
    assert table(warehouse) == before
    monkeypatch.undo()
    result = warehouse.merge(SPEC, [rows(8, T0 + timedelta(hours=1), value=3)], "rerun")
    assert (result.inserted, result.updated) == (4, 4)


def test_a_json_payload_lands_as_variant_and_is_queryable_by_path(warehouse):
    payload = '{"severity": {"name": "Major", "rank": 2}, "tags": ["db", "api"]}'
    warehouse.merge(SPEC, [[{"id": "x", "updated_at": T0, "value": 1, "payload": payload}]], "j")
    assert warehouse.query(
        "select payload:severity.name::varchar, payload:severity.rank::int, payload:tags[1]::varchar "
        "from raw.things where id = ?",
        ["x"],
    ) == [("Major", 2, "api")]
    # The same document re-serialised (spacing) is unchanged: VARIANT holds the parsed value.
    # (Key order is ignored by Snowflake's TO_JSON, not by fakesnow or DuckDB, so not asserted.)
    respaced = '{"severity":{"name":"Major","rank":2},"tags":["db","api"]}'
    again = warehouse.merge(
        SPEC, [[{"id": "x", "updated_at": T0, "value": 1, "payload": respaced}]], "j2"
    )
    assert (again.updated, again.unchanged) == (0, 1)


def test_the_production_stage_and_merge_sql_agrees_with_the_emulator_shims(warehouse):
    """emulator=True swaps write_pandas and MERGE for fakesnow-friendly statements; run the real
    ones here (outside a transaction, which fakesnow cannot combine with MERGE) and compare."""
    warehouse.merge(SPEC, [rows(6, T0)], "seed")
    incoming = rows(3, T0 - timedelta(hours=1), value=0) + rows(9, T0 + timedelta(hours=1), 4)[3:]
    incoming += rows(3, T0 + timedelta(hours=1), value=4)[1:]
    loaded = datetime(2026, 1, 6)
    stage = arrow_batch(incoming, SPEC, loaded, "real", first_seq=0)
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("use schema raw")
        cur.execute("create or replace table real_target as select * from raw.things")
        cur.execute(
            "create temporary table stage__things (id varchar, updated_at timestamp_ntz, "
            "value bigint, payload varchar, _loaded_at timestamp_ntz, _run_id varchar, "
            "_staged_seq bigint)"
        )
        pandas_tools.write_pandas(
            conn,
            _pandas(stage),
            "stage__things",
            quote_identifiers=False,
            use_logical_type=True,
        )
        cur.execute(merge_sql.dedup_stage(SPEC, "stage__things", "dedup", json_parse=JSON_PARSE))
        real_spec = TableSpec("raw", "real_target", SPEC.columns, SPEC.primary_key, "updated_at")
        cur.execute(merge_sql.merge(real_spec, "dedup", NOW, json_cmp=JSON_CMP))
    warehouse.merge(SPEC, [incoming], "shim")
    strip = "select id, updated_at, value, to_json(payload) from raw.{} order by id"
    assert warehouse.query(strip.format("real_target")) == warehouse.query(strip.format("things"))
    assert warehouse.query("select count(*), sum(value) from raw.real_target") == [(9, 1 + 8 * 4)]


@pytest.mark.slow
def test_through_the_fakesnow_server_configured_from_the_environment(monkeypatch):
    with fakesnow.server() as server:
        for name, value in {
            "SNOWFLAKE_ACCOUNT": "fakesnow",
            "SNOWFLAKE_USER": "fake",
            "SNOWFLAKE_PASSWORD": "snow",
            "SNOWFLAKE_DATABASE": "OPS",
            "SNOWFLAKE_HOST": server["host"],
            "SNOWFLAKE_PORT": str(server["port"]),
            "SNOWFLAKE_PROTOCOL": "http",
            "OPS_METRICS_SNOWFLAKE_EMULATOR": "1",
        }.items():
            monkeypatch.setenv(name, value)
        configured = snowflake_warehouse_from_env()
        # Secrets stay environment references until a run resolves them.
        assert configured.snowflake.password == "SNOWFLAKE_PASSWORD"
        with configured.process_config_and_initialize_cm() as warehouse:
            first = warehouse.merge(SPEC, [rows(5, T0)], "one")
            second = warehouse.merge(SPEC, [rows(5, T0 + timedelta(hours=1), value=2)], "two")
            assert (first.inserted, second.updated) == (5, 5)
            assert warehouse.query(
                "select count(*), sum(value), max(payload:i::int) from raw.things"
            ) == [(5, 10, 4)]


@pytest.mark.parametrize(
    ("unset", "named"),
    [("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_ACCOUNT"), ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY")],
)
def test_a_missing_variable_is_named(monkeypatch, unset, named):
    from ops_metrics.settings import ConfigurationError

    for name in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_DATABASE"):
        monkeypatch.setenv(name, "x")
    for name in ("SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(unset)
    with pytest.raises(ConfigurationError, match=named):
        snowflake_warehouse_from_env()


def test_a_dagster_run_resolves_the_environment_and_merges_through_the_io_manager(monkeypatch):
    for name, value in {
        "SNOWFLAKE_ACCOUNT": "acme",
        "SNOWFLAKE_USER": "loader",
        "SNOWFLAKE_PASSWORD": "secret-value",
        "SNOWFLAKE_DATABASE": "OPS",
        "OPS_METRICS_SNOWFLAKE_EMULATOR": "true",
    }.items():
        monkeypatch.setenv(name, value)

    @dg.asset(io_manager_key="warehouse_io_manager")
    def things() -> LoadBatch:
        return LoadBatch(SPEC, [rows(3, T0)])

    with fakesnow.patch():
        io_manager = StageAndMergeIOManager(warehouse=snowflake_warehouse_from_env())
        result = dg.materialize([things], resources={"warehouse_io_manager": io_manager})
        assert result.success
        metadata = result.get_asset_materialization_events()[0].materialization.metadata
        assert metadata["rows_inserted"].value == 3
        assert "secret-value" not in repr(result.dagster_run.run_config)
