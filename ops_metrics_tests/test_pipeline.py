"""The demo's plan: every source of the registry gets an ingest step, then one downstream build."""

from datetime import UTC, datetime

import pytest

from ops_metrics.pipeline import PipelineSteps
from ops_metrics.registry import TOOLS, WORKSPACES

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "hours", "day_range"),
    [
        (1, "2026-11-27-09:00 … 2026-11-28-08:00", "2026-11-27 … 2026-11-27"),
        (7, "2026-11-21-09:00 … 2026-11-28-08:00", "2026-11-21 … 2026-11-27"),
    ],
)
def test_every_source_is_ingested_over_the_complete_partitions(days, hours, day_range):
    labels = [step.label for step in PipelineSteps.from_definitions(now=NOW, days=days).steps]
    for ws in WORKSPACES:
        assert f"ingest {'/'.join(ws.asset_key)} ({hours})" in labels
    for tool in TOOLS:
        assert f"ingest {'/'.join(tool.asset_key)} ({day_range})" in labels
    assert labels[-1].startswith("build ")
    assert len(labels) == len(WORKSPACES) + len(TOOLS) + 1
