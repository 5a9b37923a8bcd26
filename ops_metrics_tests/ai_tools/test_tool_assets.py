"""The tool assets through `dg.materialize` into DuckDB: a day re-pulled gives the same table,
unresolved identities are counted, and a tool that is down fails only its own step."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.ai_tools.identity import DIRECTORY_URL_ENV
from ops_metrics.ai_tools.tools.github_copilot import ORG_ENV
from ops_metrics.registry import TOOLS, tool
from ops_metrics.simulators.ai_tools import github_copilot
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import (
    AMP_CLIENT_ID,
    AMP_CLIENT_SECRET,
    GITHUB_ORG,
    TOOL_KEYS,
)
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.ai_tools._support import DAY, NOW, SEED, SOURCES

PARTITION = DAY.isoformat()
# Columns that say when a row was loaded, not what it holds.
LOAD_COLUMNS = {"_extracted_at", "_loaded_at", "_run_id"}


def resources(warehouse: DuckDBWarehouse, sources: SourcesResource) -> dict[str, object]:
    return {"warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse), "sources": sources}


def table(warehouse: DuckDBWarehouse, name: str) -> list[tuple]:
    columns = [
        c
        for (c,) in warehouse.query(
            "select column_name from information_schema.columns "
            f"where table_schema = 'raw' and table_name = '{name}' order by ordinal_position"
        )
    ]
    chosen = ", ".join(c for c in columns if c not in LOAD_COLUMNS)
    return warehouse.query(f"select {chosen} from raw.{name} order by all")


def metadata(result: dg.ExecuteInProcessResult, name: str) -> dict[str, object]:
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(tool(name).asset_key)
    ]
    meta = event.materialization.metadata
    return {k: getattr(v, "value", v) for k, v in meta.items()}


def test_same_day_twice_gives_an_identical_table(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    instance = dg.DagsterInstance.ephemeral()
    snapshots = []
    for _ in range(2):
        result = dg.materialize(
            tool_assets,
            partition_key=PARTITION,
            resources=resources(warehouse, SOURCES),
            instance=instance,
        )
        assert result.success
        snapshots.append({t.name: table(warehouse, t.raw_table) for t in TOOLS})
    first, second = snapshots
    assert first == second
    assert all(first[t.name] for t in TOOLS)
    copilot = metadata(result, "github_copilot")
    assert copilot["engineer_days"] == len(github_copilot.day_records(SEED, DAY))
    unresolved = warehouse.query(
        "select count(*) from raw.ai_tools__github_copilot__daily_usage where engineer_email is null"
    )[0][0]
    assert copilot["unresolved_identities"] == unresolved > 0
    # API actors are not unresolved people.
    gateway = metadata(result, "llm_gateway")
    assert (gateway["unresolved_identities"], gateway["api_actors"]) == (0, 4)
    instance.dispose()


@pytest.fixture
def loopback() -> Iterator[str]:
    server = serve(build_app(SimulatorOptions(seed=SEED, clock=fixed_clock(NOW))))
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_tool_that_is_down_fails_only_its_own_step(
    loopback: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for t in TOOLS:
        monkeypatch.setenv(t.base_url_env, loopback)
        if t.name != "amp":
            monkeypatch.setenv(t.api_key_env, TOOL_KEYS[t.name])
    monkeypatch.setenv("AI_TOOLS_AMP_CLIENT_ID", AMP_CLIENT_ID)
    monkeypatch.setenv("AI_TOOLS_AMP_CLIENT_SECRET", AMP_CLIENT_SECRET)
    monkeypatch.setenv(ORG_ENV, GITHUB_ORG)
    monkeypatch.setenv(DIRECTORY_URL_ENV, loopback)
    down = tool("openai")
    monkeypatch.setenv(down.base_url_env, f"http://127.0.0.1:{closed_port()}")
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    # No waiting between the retries of the refused connection.
    live = SourcesResource(mode="live", retry_max_attempts=2, retry_base_delay_seconds=0.0)
    result = dg.materialize(
        tool_assets,
        partition_key=PARTITION,
        resources=resources(warehouse, live),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    failed = {
        e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE
    }
    assert len(failed) == 1 and "openai" in failed.pop()
    loaded = {t.name for t in TOOLS if t is not down and table(warehouse, t.raw_table)}
    assert loaded == {t.name for t in TOOLS} - {down.name}
    # Over real HTTP the live clients give the same rows as the in-process simulated run.
    copilot = warehouse.query(
        "select count(*), count(engineer_email) from raw.ai_tools__github_copilot__daily_usage"
    )[0]
    assert copilot[0] == len(github_copilot.day_records(SEED, DAY)) > copilot[1]
