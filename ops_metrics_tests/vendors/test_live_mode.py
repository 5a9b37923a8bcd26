"""The live-mode proof: with `OPS_METRICS_SOURCES=live` and each source's `*_BASE_URL` pointing at
a server that serves only the vendors' documented examples (docs_server.py, which shares no code
with our simulators), materialising one partition per source lands the documented rows in the
warehouse with the expected identities, tokens and cost.

Parametrised over the fixtures that carry an `expect` for a day that is a partition (Cursor's
published daily-usage example is of 2024-03-18, before the first partition: its parsing is
proven in test_documented_examples.py), so a tool is covered as soon as its examples exist. A
documented day outside the vendor's own availability window (GitHub's example is of 2025-10-01,
before the 2025-10-10 its page states) is skipped by the asset, as in production: there the proof
is that nothing is asked or loaded and the run says why; its re-dated copy (2025-11-03) is the
Copilot day that loads. A live run's "today" is the real date, and Copilot's window reaches back
at most 365 days from it, so a run of a source whose window counts back from today is pinned
(time-machine) at the simulators' frozen instant: the proof does not age out. The run uses the
product's own resources (`definitions.resources()`), so the mode, the URLs and the keys come from
the environment exactly as in production.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import pytest
import time_machine

from ops_metrics import definitions
from ops_metrics.ai_tools.assets import DAILY, tool_assets
from ops_metrics.ai_tools.usage import COLUMNS as USAGE_COLUMNS
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.incident_io.rows import COLUMNS as INCIDENT_COLUMNS
from ops_metrics.registry import TOOLS, Tool, Workspace
from ops_metrics_tests.conftest import FROZEN_AT
from ops_metrics_tests.vendors import docs_server
from ops_metrics_tests.vendors._examples import (
    INCIDENT_IO,
    assert_rows,
    fixture_id,
    live_env,
    tool_or_workspace,
    with_expect,
)
from ops_metrics_tests.vendors.docs_server import Fixture

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _is_partition(fixture: Fixture) -> bool:
    day = fixture.data["expect"].get("day")
    return day is None or date.fromisoformat(day) >= DAILY.start.date()


def live_examples() -> list[Fixture]:
    return [f for f in with_expect() if _is_partition(f)]


def test_every_source_has_an_example_for_a_live_run() -> None:
    assert {f.source for f in live_examples()} == {t.name for t in TOOLS} | {INCIDENT_IO}


# "Today" for a live run of a source whose vendor window counts from today: the simulators'
# frozen instant, so every test reasons on one date and none ages out as the real date moves on.
LIVE_TODAY = datetime.fromisoformat(FROZEN_AT)


def _counts_back_from_today(source: Tool | Workspace) -> bool:
    return isinstance(source, Tool) and source.max_days_back is not None


def test_every_tool_loads_a_day_in_the_live_run() -> None:
    """Not only skips: each tool has a documented day its vendor serves on the run's "today"."""
    loading = {
        f.source
        for f in live_examples()
        if isinstance(source := tool_or_workspace(f), Tool)
        and not source.unavailable(date.fromisoformat(f.data["expect"]["day"]), LIVE_TODAY.date())
    }
    assert loading == {t.name for t in TOOLS}


def _utc(value: Any) -> Any:
    # The warehouse keeps UTC instants without an offset.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@pytest.mark.slow
@pytest.mark.parametrize("fixture", live_examples(), ids=fixture_id)
def test_a_live_run_loads_the_documented_examples(
    fixture: Fixture, server: docs_server.DocsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in live_env(fixture, server.url).items():
        monkeypatch.setenv(name, value)
    resources = definitions.resources()
    assert resources["sources"].mode == "live"
    source = tool_or_workspace(fixture)
    expect = fixture.data["expect"]
    if fixture.source == INCIDENT_IO:
        assets, partition, columns = incident_assets, expect["partition"], INCIDENT_COLUMNS
    else:
        assets, partition, columns = tool_assets, expect["day"], USAGE_COLUMNS
    chosen = [a for a in assets if a.key == dg.AssetKey(source.asset_key)]
    pinned = _counts_back_from_today(source)
    with (
        time_machine.travel(LIVE_TODAY) if pinned else nullcontext(),
        dg.DagsterInstance.ephemeral() as instance,
        server.examples.preferring(fixture),
    ):
        asked = len(server.examples.requests)
        today = resources["sources"].today()
        # The pin reaches the product's own clock (else a load would quietly turn into a skip).
        assert not pinned or today == LIVE_TODAY.date()
        result = dg.materialize(
            chosen,
            resources=resources,
            instance=instance,
            partition_key=partition,
            run_config=QUIET,
            raise_on_error=False,
        )
        warnings = [
            e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING
        ]
    assert result.success, [
        e.event_specific_data.error.message  # type: ignore[union-attr]
        for e in result.all_events
        if e.is_step_failure
    ]
    names = [c.name for c in columns]
    warehouse = resources["warehouse"]
    rows = [
        {n: _utc(v) for n, v in zip(names, row, strict=True)}
        for row in warehouse.query(f"select {', '.join(names)} from raw.{source.raw_table}")
    ]
    if isinstance(source, Tool) and (
        # Whether the day loads is the fixture's and the pinned date's to say, not the run's own.
        why := source.unavailable(date.fromisoformat(partition), LIVE_TODAY.date())
    ):
        # The vendor does not serve the documented day: skipped, said, nothing asked or loaded.
        assert len(server.examples.requests) == asked
        assert [m for m in warnings if "outside the vendor's window" in m and why in m]
        assert not [r for r in rows if str(r["usage_date"]) == partition]
        return
    if isinstance(source, Tool):
        assert {str(r["usage_date"]) for r in rows} == {expect["day"]}
        assert_rows(fixture, rows, "engineer_identifier")
    else:
        assert_rows(fixture, rows, "id")
    # Nothing was rejected on the way: every documented record is a valid record.
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks if c.check_name == "no_rejects")
