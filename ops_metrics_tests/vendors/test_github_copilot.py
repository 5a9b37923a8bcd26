"""GitHub Copilot against its published examples (docs/vendors/github_copilot.md), and its
availability window: reports exist from 2025-10-10 and reach back at most one year, so the asset
skips other days with a warning instead of failing on them."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest

from ops_metrics.ai_tools.assets import build_tool_asset
from ops_metrics.ai_tools.tools.github_copilot import REPORT_PATH
from ops_metrics.registry import tool
from ops_metrics.simulators.credentials import GITHUB_ORG, TOOL_KEYS
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.ai_tools._support import DAY, SOURCES
from ops_metrics_tests.vendors._examples import (
    BASE_URL,
    assert_loads,
    examples,
    transport,
)
from ops_metrics_tests.vendors.shapes import mismatches

COPILOT = tool("github_copilot")
DOCS = examples("github_copilot")
DOWNLOAD = DOCS["users_1_day_download_1"]


def test_adapter_loads_the_documented_report_with_cli_tokens() -> None:
    client = httpx.Client(
        base_url=f"{BASE_URL}/orgs/octo-org/",
        transport=transport(*DOCS.values()),
        headers={"Authorization": "Bearer ghp_example"},
    )
    assert_loads(COPILOT, DOWNLOAD, client=client, directory=DOWNLOAD.expect["directory"])


def _simulator_report(day: date) -> httpx.Response:
    with SOURCES.tool_client(COPILOT) as client:
        return client.get(
            f"/orgs/{GITHUB_ORG}/{REPORT_PATH}",
            params={"day": day.isoformat()},
            headers={
                "Authorization": f"Bearer {TOOL_KEYS['github_copilot']}",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )


def test_simulator_serves_the_documented_shapes() -> None:
    report = _simulator_report(DAY)
    assert report.status_code == 200
    assert mismatches(report.json(), DOCS["users_1_day_report"].body) == []
    documented = json.loads(DOWNLOAD.data["response"]["text"])
    with SOURCES.tool_client(COPILOT) as client:
        records = [
            json.loads(line)
            for link in report.json()["download_links"]
            for line in client.get(link).text.splitlines()
        ]
    assert records and any("totals_by_cli" in r for r in records)
    optional = frozenset({"$.totals_by_cli"})  # only users of the CLI have it
    for record in records:
        assert mismatches(record, documented, optional=optional) == [], record["user_login"]


@pytest.mark.parametrize("day", [date(2025, 10, 9), date(2025, 3, 11)])
def test_simulator_has_no_report_outside_the_window(day: date) -> None:
    assert _simulator_report(day).status_code == 404


def test_the_registry_declares_the_window() -> None:
    today = date(2026, 11, 1)
    assert COPILOT.unavailable(date(2025, 11, 1), today) is None
    assert "2025-10-10" in COPILOT.unavailable(date(2025, 10, 9), today)
    assert "365 days back" in COPILOT.unavailable(date(2025, 10, 31), today)
    assert tool("claude_code").unavailable(date(2025, 1, 1), today) is None


def _materialize(
    partition: str, sources: SourcesResource, path: Path
) -> tuple[dict[str, object], list[str]]:
    """The materialization's metadata and the run's warnings."""
    warehouse = DuckDBWarehouse(path=str(path / "w.duckdb"))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [build_tool_asset(COPILOT)],
        partition_key=partition,
        resources={
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": sources,
        },
        instance=instance,
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    meta = {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}
    warnings = [
        e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING
    ]
    instance.dispose()
    return meta, warnings


@pytest.mark.parametrize(
    ("partition", "frozen_at", "why"),
    [
        ("2025-06-02", datetime(2026, 3, 12, 12, tzinfo=UTC), "from 2025-10-10 on"),
        ("2025-11-03", datetime(2026, 12, 1, 12, tzinfo=UTC), "at most 365 days back"),
    ],
)
def test_a_partition_outside_the_window_is_skipped_with_a_warning(
    partition: str, frozen_at: datetime, why: str, tmp_path: Path
) -> None:
    """Before: the partition asked GitHub for a report that cannot exist and failed."""
    sources = SourcesResource(mode="simulated", simulator_frozen_at=frozen_at.isoformat())
    meta, warnings = _materialize(partition, sources, tmp_path)
    assert (meta["days"], meta["days_outside_vendor_window"], meta["api_requests"]) == (0, 1, 0)
    [message] = [m for m in warnings if "skipped, outside the vendor's window" in m]
    assert partition in message and why in message


def test_a_partition_inside_the_window_still_loads(tmp_path: Path) -> None:
    meta, warnings = _materialize(DAY.isoformat(), SOURCES, tmp_path)
    assert meta["days_outside_vendor_window"] == 0 and meta["engineer_days"] > 0
    assert not [m for m in warnings if "outside the vendor's window" in m]
