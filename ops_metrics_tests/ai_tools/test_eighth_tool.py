"""Adding a tool is its registry entry plus its adapter module plus its simulator module, found
by name: an eighth tool built entirely inside the tests (`eighth_tool/`) materialises into
DuckDB, and a missing or broken simulator module fails that tool's step alone."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.ai_tools.assets import build_tool_asset
from ops_metrics.pipeline import error_line
from ops_metrics.registry import TOOLS, tool
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.ai_tools._support import DAY, SEED, SOURCES
from ops_metrics_tests.ai_tools.eighth_tool import PACKAGE, TOOL
from ops_metrics_tests.ai_tools.eighth_tool.adapters import review_bot as adapter_module

SIMULATOR_MODULE = f"{PACKAGE}.simulators.review_bot"


def resources(tmp_path: Path) -> tuple[DuckDBWarehouse, dict[str, object]]:
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    return warehouse, {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SOURCES,
    }


def test_an_eighth_tool_materialises_from_its_entry_adapter_and_simulator(tmp_path: Path) -> None:
    assert TOOL.name not in {t.name for t in TOOLS}  # not in the registry's tuple: the test's own
    # The simulator module is imported by the tool's step, not before.
    assert SIMULATOR_MODULE not in sys.modules
    warehouse, res = resources(tmp_path)
    result = dg.materialize([build_tool_asset(TOOL)], partition_key=DAY.isoformat(), resources=res)
    assert result.success
    assert SIMULATOR_MODULE in sys.modules

    from ops_metrics_tests.ai_tools.eighth_tool.simulators.review_bot import PAGE_SIZE, day_records

    truth = day_records(SEED, DAY)
    assert len(truth) > PAGE_SIZE  # the listing really pages
    rows = warehouse.query(
        "select engineer_email, requests, tokens_total, tokens_estimated, estimation_rule "
        f"from raw.{TOOL.raw_table} order by engineer_email"
    )
    expected = sorted(
        (
            str(r["email"]),
            r["reviews"],
            r["reviews"] * adapter_module.TOKENS_PER_REVIEW,
            True,
            adapter_module.RULE_PER_REVIEW,
        )
        for r in truth
    )
    assert rows == expected
    assert set(adapter_module.ESTIMATION_RULES) == {adapter_module.RULE_PER_REVIEW}
    [event] = result.get_asset_materialization_events()
    meta = {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}
    # Counted once, by the one extraction path: fetched = used + rejected + skipped.
    assert meta["records_fetched"] == len(truth)
    assert (meta["rows_rejected"], meta["records_skipped"]) == (0, 0)
    assert meta["api_requests"] == -(-len(truth) // PAGE_SIZE)


@pytest.mark.parametrize(
    ("package", "cause"),
    [
        ("missing", "ModuleNotFoundError"),
        ("broken", "RuntimeError: review_bot simulator is half-written"),
    ],
)
def test_a_missing_or_broken_simulator_fails_only_that_tool(
    package: str, cause: str, tmp_path: Path
) -> None:
    bad = dataclasses.replace(TOOL, simulator_package=f"{PACKAGE}.{package}")
    gateway = tool("llm_gateway")
    warehouse, res = resources(tmp_path)
    result = dg.materialize(
        [build_tool_asset(bad), build_tool_asset(gateway)],
        partition_key=DAY.isoformat(),
        resources=res,
        raise_on_error=False,
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    # The line the CLI and the demo print for a failed step (pipeline.error_line).
    message = error_line(failure.step_failure_data.error)
    assert "\n" not in message
    assert (
        f"ai_tools/{TOOL.name}: simulator module {bad.simulator_module} cannot be loaded" in message
    )
    assert cause in message
    # The other tool in the same run loaded.
    loaded = {e.asset_key for e in result.get_asset_materialization_events()}
    assert loaded == {dg.AssetKey(gateway.asset_key)}
    assert warehouse.query(f"select count(*) from raw.{gateway.raw_table}")[0][0] > 0


def test_simulated_mode_imports_only_the_simulators_of_the_tools_in_use() -> None:
    code = (
        "import sys\n"
        "from ops_metrics.registry import tool\n"
        "from ops_metrics.sources import SourcesResource\n"
        "SourcesResource(mode='simulated').tool_client(tool('llm_gateway')).close()\n"
        "print(sorted(m for m in sys.modules if m.startswith('ops_metrics.simulators.ai_tools.')"
        " and m.rsplit('.', 1)[1] in {t.name for t in __import__('ops_metrics.registry')"
        ".registry.TOOLS}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "['ops_metrics.simulators.ai_tools.llm_gateway']"
