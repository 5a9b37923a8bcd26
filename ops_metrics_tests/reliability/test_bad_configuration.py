"""Bad configuration is refused before anything runs, with a message that names it, and nothing
but validated identifiers reaches SQL."""

from __future__ import annotations

import pytest

from ops_metrics import registry, settings
from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.ai_tools.usage import table_spec as usage_spec
from ops_metrics.incident_io.rows import table_spec as incident_spec
from ops_metrics.registry import RegistryError, Tool, Workspace
from ops_metrics.settings import ConfigurationError
from ops_metrics.sources import SourcesResource, checked_base_url
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics.warehouse.table import Column, TableSpec, rejects_spec
from ops_metrics_tests.reliability._support import materialize

UNSAFE = ["x; drop table raw.incidents", "Company", "1st", "a-b", "", "a" * 41, "ünïcode"]


@pytest.mark.parametrize("name", UNSAFE)
def test_unsafe_registry_names_are_refused_naming_the_entry(name: str) -> None:
    with pytest.raises(RegistryError, match="is not a safe identifier"):
        Workspace(name, "Detected at", None)
    with pytest.raises(RegistryError, match=r"tool name .* is not a safe identifier"):
        Tool(name, "vendor", "https://example.com")


@pytest.mark.parametrize("name", UNSAFE[:4])
def test_unsafe_table_schema_and_column_names_never_reach_sql(name: str) -> None:
    columns = (Column("id", "varchar"),)
    with pytest.raises(RegistryError):
        TableSpec("raw", name, columns, ("id",), "id")
    with pytest.raises(RegistryError):
        TableSpec(name, "t", columns, ("id",), "id")
    with pytest.raises(RegistryError):
        Column(name, "varchar")


def test_every_table_the_assets_write_is_a_validated_spec() -> None:
    # The stage-and-merge SQL formats identifiers only from TableSpecs, which validate on
    # construction; this builds every one (rejects tables included) from the registry.
    for ws in registry.WORKSPACES:
        rejects_spec(incident_spec(ws))
    for t in registry.TOOLS:
        rejects_spec(usage_spec(t))


def test_unknown_workspace_and_tool_are_refused_listing_the_known_ones() -> None:
    with pytest.raises(RegistryError, match=r"unknown Incident.io workspace 'acme' \(known: "):
        registry.workspace("acme")
    with pytest.raises(RegistryError, match=r"unknown AI tool 'copilot' \(known: "):
        registry.tool("copilot")


@pytest.mark.parametrize("value", ["http://", "localhost:4000", "file:///etc/passwd", "ftp://x"])
def test_malformed_base_urls_are_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError, match="AI_TOOLS_CURSOR_BASE_URL="):
        checked_base_url("AI_TOOLS_CURSOR_BASE_URL", value)


def test_a_tool_with_a_malformed_base_url_fails_its_step_naming_the_variable(
    warehouse, instance, monkeypatch
) -> None:
    monkeypatch.setenv("AI_TOOLS_LLM_GATEWAY_API_KEY", "k")
    monkeypatch.setenv("AI_TOOLS_LLM_GATEWAY_BASE_URL", "localhost:4000")
    gateway = [a for a in tool_assets if a.key.path[1] == "llm_gateway"]
    resources = {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SourcesResource(mode="live"),
    }
    result = materialize(gateway, resources, instance, "2026-03-10")
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "AI_TOOLS_LLM_GATEWAY_BASE_URL" in failure.step_failure_data.error.to_string()


def test_unknown_modes_and_targets_are_refused_naming_the_variable(monkeypatch) -> None:
    with pytest.raises(ConfigurationError, match="OPS_METRICS_SOURCES"):
        _ = SourcesResource(mode="production").simulated
    monkeypatch.setenv("OPS_METRICS_TARGET", "postgres")
    with pytest.raises(ConfigurationError, match="OPS_METRICS_TARGET"):
        settings.target()
