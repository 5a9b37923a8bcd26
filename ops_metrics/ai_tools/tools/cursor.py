"""Cursor Admin API: `POST /teams/daily-usage-data`, basic auth (key as user, empty password),
paging by `page`/`pageSize` in the JSON body (beside startDate/endDate in epoch ms), stopping
on `pagination.hasNextPage`.

The team is limited to 20 requests a minute: the extractor honours `Retry-After` on 429, and in
live mode requests are also spaced >= 3 s apart client-side so a backfill rarely meets the limit.
Cursor reports no tokens: they are estimated from accepted lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
from pydantic import Field

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import RULE_ACCEPTED_LINES, accepted_line_tokens
from ops_metrics.ai_tools.tools._shared import (
    Adapter,
    Pacer,
    Tallies,
    VendorModel,
    midnight,
    next_day,
    utc_day,
)
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.pagination import PageNumberPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

PAGE_SIZE = 500
PAGINATION = PageNumberPagination(
    "page", "pageSize", PAGE_SIZE, has_next=lambda body: bool(body["pagination"]["hasNextPage"])
)
# 20 requests/min per team = one every 3 s.
LIVE_MIN_INTERVAL_SECONDS = 3.0


class CursorDay(VendorModel):
    userId: str
    day: date
    email: str | None = None
    isActive: bool = True
    acceptedLinesAdded: int = 0
    subscriptionIncludedReqs: int = 0
    usageBasedReqs: int = 0
    apiKeyReqs: int = 0
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    date_ms: int | None = Field(None, alias="date")
    totalLinesAdded: int | None = None
    totalLinesDeleted: int | None = None
    acceptedLinesDeleted: int | None = None
    totalApplies: int | None = None
    totalAccepts: int | None = None
    totalRejects: int | None = None
    totalTabsShown: int | None = None
    totalTabsAccepted: int | None = None
    composerRequests: int | None = None
    chatRequests: int | None = None
    agentRequests: int | None = None
    cmdkUsages: int | None = None
    bugbotUsages: int | None = None
    mostUsedModel: str | None = None


class CursorAdapter(Adapter):
    record_model = CursorDay
    id_field = "userId"

    def __init__(
        self,
        min_interval: float = LIVE_MIN_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        key = self.api_key(tool, sources)
        client = sources.client(
            tool.base_url_env, tool.default_base_url, auth=httpx.BasicAuth(key, "")
        )
        if not sources.simulated:  # the simulator answers instantly and is never paced
            pacer = Pacer(self.min_interval, self.clock, self.sleep)
            client.event_hooks = {**client.event_hooks, "request": [pacer]}
        return client

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        start_ms = int(midnight(day).timestamp() * 1000)
        end_ms = int(midnight(next_day(day)).timestamp() * 1000) - 1  # the day's last ms
        body = {"startDate": start_ms, "endDate": end_ms}
        yield from extractor.paginate(
            "POST",
            "/teams/daily-usage-data",
            PAGINATION,
            lambda response: response["data"],
            body,
            in_body=True,
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, CursorDay)
            # Every seat holder gets a row daily; a seat with no activity is no usage.
            if utc_day(model.day) != day or not model.isActive:
                continue
            email = model.email or None
            tally = tallies.get_or_add(email.lower() if email else model.userId, email)
            lines = model.acceptedLinesAdded
            tally.add(
                raw,
                requests=model.subscriptionIncludedReqs + model.usageBasedReqs + model.apiKeyReqs,
                accepted_lines=lines,
                estimated_tokens=accepted_line_tokens(lines),
            )
        return [
            t.row(tool, day, RULE_ACCEPTED_LINES, RULE_ACCEPTED_LINES) for t in tallies.values()
        ]


ADAPTER = CursorAdapter()
