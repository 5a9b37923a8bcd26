"""What a tool adapter provides: how to reach the vendor, read one day, and map it to UsageRows.

Each tool's adapter module (`Tool.adapter_module`, by default `ops_metrics.ai_tools.tools.<name>`)
defines `ADAPTER`, imported only when that tool's asset runs, so the code location stays cheap to
load.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor, Listing
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

Validated = tuple[BaseModel, dict[str, Any]]


class ToolAdapter(Protocol):
    # The pydantic model of one vendor record (validated by DataTransformer) and its id field.
    record_model: type[BaseModel]
    id_field: str

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        """An httpx client with the vendor's base URL and auth (credentials via `sources`). It
        fails here, before any request, when a live-mode variable is missing."""

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        """The vendor's raw records for one UTC day, page by page."""

    def directory(self, extractor: APIExtractor, sources: SourcesResource) -> dict[str, str]:
        """Vendor identity (user id, login, ...; lower-cased) -> email, for tools that do not
        always send emails. `sources` reaches directories served outside the vendor's API."""

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        """One UsageRow per engineer (or API actor) for the day, from (model, raw record) pairs."""


def load_adapter(tool: Tool) -> ToolAdapter:
    """The `ADAPTER` of the tool's adapter module (`Tool.adapter_module`), imported now."""
    module = importlib.import_module(tool.adapter_module)
    return module.ADAPTER


def day_window(day: date) -> Window:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Window(start, start + timedelta(days=1))


def day_listing(adapter: ToolAdapter) -> Listing:
    """A tool's listing for `APIExtractor`: the adapter's pages of each UTC day in the window."""

    def pages(extractor: APIExtractor, window: Window) -> Iterator[list[dict[str, Any]]]:
        day, last = window.start.date(), (window.end - timedelta(microseconds=1)).date()
        while day <= last:
            yield from adapter.fetch_day(extractor, day)
            day += timedelta(days=1)

    return pages


def read_day(
    adapter: ToolAdapter,
    tool: Tool,
    extractor: APIExtractor,
    transformer: DataTransformer[Any],
    day: date,
    directory: dict[str, str],
) -> list[UsageRow]:
    """One day of one tool: fetch, validate each record, aggregate to UsageRows.

    The day's pages go through the extractor (`BaseExtractor.records`: counted in its stats,
    the next page fetched while this one is validated), by its listing or else the adapter's.

    No record is dropped unseen: each is rejected (the transformer), used by a row (it is in the
    row's `records`), or counted as skipped (a valid record of another UTC day, which the
    adapter leaves to that day's partition, or one the adapter has no use for). A reader that
    leaves another day's records out of the pages altogether (a bucket or entry of another day)
    counts them itself, as fetched and skipped (`ExtractStats.skip_unread`)."""
    listing = extractor.listing or day_listing(adapter)
    validated: list[Validated] = []
    for record in extractor.read(listing(extractor, day_window(day))):
        model = transformer.validate(record)
        if model is not None:
            validated.append((model, record))
    usage = adapter.usage_rows(tool, day, validated, directory)
    # Used once however many rows carry it: OpenAI's day cost results are in every row's records.
    used = {id(record) for row in usage for record in row.records}
    extractor.stats.count_skipped(len(validated) - len(used))
    return usage
