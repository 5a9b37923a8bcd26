"""The emulator's shims (ops_metrics_dbt/macros/emulator/) never reach a real Snowflake.

Compiles, without connecting anywhere, what dbt-snowflake's incremental materialization and unit
tests run for a merge model (its temporary relations, the merge statement, the temporary relation
type) for the `snowflake` and `emulator` targets, next to dbt-snowflake's own macros.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ops_metrics.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

DBT = str(Path(sys.executable).parent / "dbt")
MARKER = "emulator shim"
RELATION = (
    "{%- set rel = api.Relation.create(database='ANALYTICS', schema='marts', "
    "identifier='fct_ops__incidents') -%}{%- set tmp = make_temp_relation(rel) -%}"
    "{%- set cols = [api.Column('incident_key', 'varchar')] -%}"
)
# What the incremental materialization and unit tests call, as the project resolves them ...
AS_RESOLVED = RELATION + (
    "{{ snowflake__create_view_as_with_temp_flag(tmp, 'select 1 as x', True) }}\n"
    "{{ snowflake__create_table_as(True, tmp, 'select 1 as x') }}\n"
    "{{ snowflake__get_merge_sql(rel, tmp, 'incident_key', cols, none) }}\n"
    "-- tmp relation type: {{ dbt_snowflake_get_tmp_relation_type('merge', 'incident_key', 'sql') }}"
)
# ... and dbt-snowflake's own implementations, bypassing the project's macros.
STANDARD = RELATION + (
    "{{ dbt.snowflake__create_view_as_with_temp_flag(tmp, 'select 1 as x', True) }}\n"
    "{{ dbt.snowflake__create_table_as(True, tmp, 'select 1 as x') }}\n"
    "{{ dbt.snowflake__get_merge_sql(rel, tmp, 'incident_key', cols, none) }}\n"
    "-- tmp relation type: {{ dbt.dbt_snowflake_get_tmp_relation_type('merge', 'incident_key', 'sql') }}"
)
SPLIT = "-- ---- dbt-snowflake's own ----"
# One dbt invocation per target (each costs seconds): the project's, then dbt-snowflake's.
BOTH = AS_RESOLVED + "\n" + SPLIT + "\n" + STANDARD.removeprefix(RELATION)


def compile_inline(target: str, sql: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [
            DBT, "compile", "--target", target, "--inline", sql, "--quiet",
            "--no-introspect", "--no-populate-cache",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(tmp_path / target), "--log-path", str(tmp_path / "logs"),
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def normalised(sql: str) -> str:
    return " ".join(sql.split())


@pytest.fixture(scope="module")
def snowflake_compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One compile for the `snowflake` target: the inline SQL, and its target path (manifest)."""
    tmp_path = tmp_path_factory.mktemp("compile")
    return compile_inline("snowflake", BOTH, tmp_path), tmp_path / "snowflake"


def test_the_snowflake_target_compiles_to_standard_dbt_snowflake_sql(
    snowflake_compiled: tuple[str, Path],
) -> None:
    resolved, standard = snowflake_compiled[0].split(SPLIT)
    assert normalised(resolved) == normalised(standard)
    assert MARKER not in resolved
    sql = normalised(resolved)
    assert "create or replace temporary view ANALYTICS.marts.fct_ops__incidents__dbt_tmp" in sql
    assert "create or replace temporary table ANALYTICS.marts.fct_ops__incidents__dbt_tmp" in sql
    assert "merge into ANALYTICS.marts.fct_ops__incidents as DBT_INTERNAL_DEST" in sql
    assert "tmp relation type: view" in sql


def test_the_emulator_target_applies_its_shims(tmp_path: Path) -> None:
    sql = normalised(compile_inline("emulator", AS_RESOLVED, tmp_path))
    assert MARKER in sql
    assert "temporary" not in sql.replace(
        f"{MARKER}: fakesnow cannot create a qualified temporary", ""
    )
    assert "merge into" not in sql
    assert "delete from ANALYTICS.marts.fct_ops__incidents as DBT_INTERNAL_DEST" in sql
    assert "tmp relation type: table" in sql


def test_snowflake_only_config_is_set_for_the_snowflake_target(
    snowflake_compiled: tuple[str, Path],
) -> None:
    manifest = json.loads((snowflake_compiled[1] / "manifest.json").read_text())
    models = {
        n["name"]: n["config"] for n in manifest["nodes"].values() if n["resource_type"] == "model"
    }
    for name, cluster in [
        ("fct_ops__incidents", ["incident_date"]),
        ("fct_ai_telemetry__tool_daily_metrics", ["usage_date"]),
    ]:
        assert models[name]["materialized"] == "incremental"
        assert models[name]["cluster_by"] == cluster
        assert models[name]["snowflake_warehouse"] == "ETL_SMALL"
        # ETL_MEDIUM on --full-refresh: decided by a hook, which renders at run time.
        assert any("use_etl_warehouse()" in h["sql"] for h in models[name]["pre-hook"])
    # Rebuilt marts are transient (no Fail-safe copies of data dbt can rebuild at any time).
    assert all(c.get("transient", True) for c in models.values())
