"""The whole pipeline on the Snowflake emulator, as `ops-metrics demo --target snowflake-emulator`
runs it: simulators -> a fakesnow server (RAW via the stage-and-merge IO manager) -> dbt on the
`emulator` target, i.e. every model's snowflake__ SQL, its tests, and the incremental path.

Run twice on the same server with a frozen simulator clock: the second run re-loads the same
data (merge must change nothing) and builds the incremental marts incrementally, so identical
marts show idempotent loads and incremental == first (full) build.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pytest
import snowflake.connector

from ops_metrics import settings
from ops_metrics.pipeline import PipelineSteps, StepResult
from ops_metrics.snowflake_emulator import (
    DATABASE,
    Emulator,
    emulator_defs,
    emulator_environment,
    running_emulator,
)
from ops_metrics.sources import SourcesResource
from ops_metrics_tests.conftest import FROZEN_AT

pytestmark = pytest.mark.slow

# Columns that record when data was loaded or built (a load's wall-clock time, dbt's build time),
# not what it says: they differ between two runs by design and are left out of the comparison.
LOAD_TIME_COLUMNS = {"_LOADED_AT", "DATA_AS_OF", "_DBT_BUILT_AT"}
# Two days keep the run (two pipelines, two dbt builds) to a couple of minutes on 2 cores.
DAYS = 2


# What this test covers: ingestion and dbt. The dashboards read the marts through the warehouse
# resource and are tested by their own suite (ops_metrics_tests/dashboards).
NOT_COVERED = {dg.AssetKey("dashboards")}


def run_pipeline(instance: dg.DagsterInstance) -> list[tuple[str, StepResult]]:
    full = emulator_defs(SourcesResource(mode="simulated", simulator_frozen_at=FROZEN_AT))
    assets = [a for a in full.assets or [] if not set(getattr(a, "keys", ())) & NOT_COVERED]
    defs = dg.Definitions(assets=assets, resources=full.resources)
    now = datetime.fromisoformat(FROZEN_AT).astimezone(UTC)
    steps = PipelineSteps.from_definitions(now=now, days=DAYS, defs=defs)
    return [(step.label, step.run(instance)) for step in steps.steps]


def marts(emulator: Emulator) -> dict[str, list[tuple[Any, ...]]]:
    env = emulator.environment()
    with snowflake.connector.connect(
        account=env["SNOWFLAKE_ACCOUNT"], user=env["SNOWFLAKE_USER"],
        password=env["SNOWFLAKE_PASSWORD"], database=DATABASE,
        host=emulator.host, port=emulator.port, protocol="http",
    ) as conn, conn.cursor() as cur:  # fmt: skip
        cur.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'MARTS' and table_type = 'BASE TABLE' order by 1"
        )
        tables = [row[0] for row in cur.fetchall()]
        out = {}
        for table in tables:
            cur.execute(f"select * from marts.{table}")
            names = [c.name.upper() for c in cur.description]
            keep = [i for i, name in enumerate(names) if name not in LOAD_TIME_COLUMNS]
            rows = (tuple(_comparable(row[i]) for i in keep) for row in cur.fetchall())
            out[table] = sorted(rows, key=repr)
        return out


def _comparable(value: Any) -> Any:
    # A sum or average of doubles depends on the order the engine adds them in, which parallel
    # execution varies from run to run in the last bits; twelve significant digits are the data.
    return float(f"{value:.12g}") if isinstance(value, float) else value


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("emulator_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPS_METRICS_HOME", str(home))
        with (
            running_emulator(home / "snowflake_emulator") as emulator,
            emulator_environment(emulator),
            dg.DagsterInstance.ephemeral() as instance,
        ):
            dbt_target = settings.dbt_target()
            first = run_pipeline(instance)
            first_marts = marts(emulator)
            second = run_pipeline(instance)
            yield {
                "emulator": emulator,
                "dbt_target": dbt_target,
                "first": first,
                "second": second,
                "first_marts": first_marts,
                "second_marts": marts(emulator),
            }


def test_every_step_succeeds_on_the_emulator_with_the_emulator_dbt_target(runs) -> None:
    assert runs["dbt_target"] == "emulator"
    for run in ("first", "second"):
        failed = [(label, result.summary) for label, result in runs[run] if not result.success]
        assert failed == [], run
    labels = [label for label, _ in runs["first"]]
    assert any(label.startswith("ingest incident_io/") for label in labels)
    assert any(label.startswith("ingest ai_tools/") for label in labels)
    assert labels[-1].startswith("build ")


def test_the_marts_are_built_and_not_empty(runs) -> None:
    built = runs["first_marts"]
    for mart in ("FCT_OPS__INCIDENTS", "FCT_OPS__MTTR_WEEKLY", "BRIDGE_OPS__INCIDENT_SERVICE",
                 "FCT_AI_TELEMETRY__TOOL_DAILY_METRICS", "FCT_AI_TELEMETRY__WEEKLY_ENG_AI_TOKENS"):  # fmt: skip
        assert built.get(mart), mart


def test_a_second_run_leaves_every_mart_identical(runs) -> None:
    first, second = runs["first_marts"], runs["second_marts"]
    assert sorted(first) == sorted(second)
    for mart in first:
        assert first[mart] == second[mart], mart


def test_the_emulator_data_stays_on_disk_after_the_server_stops(runs) -> None:
    assert (runs["emulator"].data_dir / f"{DATABASE}.db").exists()
