"""Shared by the AI-tool tests: a pinned simulator instant and a helper that reads one tool-day
exactly as the asset does (adapter client -> APIExtractor -> DataTransformer -> UsageRows)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ops_metrics.ai_tools.adapter import ToolAdapter, load_adapter, read_day
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import Tool
from ops_metrics.simulators.app import DEFAULT_SEED
from ops_metrics.sources import SourcesResource

SEED = DEFAULT_SEED
# Our own pinned instant (not the shared conftest one): the Cursor simulator's rate limiter runs
# on the simulator clock, so a frozen app shared with other tests would share its quota.
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 10)  # a finished Tuesday
SOURCES = SourcesResource(mode="simulated", simulator_frozen_at=NOW.isoformat())


class Waits:
    """Records the waits the code asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def pull(
    tool: Tool,
    day: date = DAY,
    sources: SourcesResource = SOURCES,
    adapter: ToolAdapter | None = None,
    retry: RetryPolicy | None = None,
) -> tuple[list[UsageRow], APIExtractor]:
    adapter = adapter or load_adapter(tool)
    client = adapter.client(tool, sources)
    extractor = APIExtractor(tool.name, client, retry=retry or RetryPolicy(sleep=Waits()))
    transformer = DataTransformer(tool.name, adapter.record_model, adapter.id_field)
    with client:
        directory = adapter.directory(extractor, sources)
        rows = read_day(adapter, tool, extractor, transformer, day, directory)
    assert not transformer.finish().has_drift, "a documented field is missing from a model"
    return rows, extractor


def by_id(rows: list[UsageRow]) -> dict[str, UsageRow]:
    ids = [r.engineer_identifier for r in rows]
    assert len(ids) == len(set(ids)), "one row per engineer and day"
    return {r.engineer_identifier: r for r in rows}
