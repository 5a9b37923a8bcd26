"""Cursor Admin API (docs/vendors/cursor.md), basic auth (key as user, empty password):

- `POST /teams/daily-usage-data` `{startDate, endDate}` (epoch ms, at most 30 days) answers
  `{data, period}`: one record per seat holder per day, keyed by `email` and `date` (epoch ms).
  The published example has no paging; later copies of the docs show an optional `page` and a
  numeric `userId`, so a `pagination` object is followed when an answer carries one, and
  `userId` is read when present but never required.
- `POST /teams/filtered-usage-events` `{startDate, endDate, page, pageSize}` answers one event
  per AI request; token-based calls carry `tokenUsage` (tokens and `totalCents`).

Tokens and cost are measured from the events where they report them; a person whose day has no
token-reporting event is estimated from accepted lines, and every row names its rule.

The team is limited to 20 requests a minute: the extractor honours `Retry-After` on 429, and in
live mode requests are also spaced >= 3 s apart client-side so a backfill rarely meets the limit.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
from pydantic import Field, model_validator

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
from ops_metrics.ingestion.envelope import envelope
from ops_metrics.ingestion.errors import ExtractionError, PaginationLoopError
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

DAILY_PATH = "/teams/daily-usage-data"
EVENTS_PATH = "/teams/filtered-usage-events"
# Events per page: the docs show `pageSize` without a maximum; 500 keeps a busy day to a few
# requests under the 20/min limit.
EVENTS_PAGE_SIZE = 500
# 20 requests/min per team = one every 3 s.
LIVE_MIN_INTERVAL_SECONDS = 3.0
SOURCE = "cursor"


class CursorTokenUsage(VendorModel):
    inputTokens: int = 0
    outputTokens: int = 0
    cacheWriteTokens: int = 0
    cacheReadTokens: int = 0
    totalCents: float | None = None


class CursorRecord(VendorModel):
    """A record of either endpoint: a daily-usage row (`email`, `date`) or a usage event
    (`userEmail`, `timestamp`). One model for both, since a tool has one record model."""

    # /teams/daily-usage-data
    email: str | None = None
    date_ms: int | None = Field(None, alias="date")
    userId: int | str | None = None  # later copies of the docs only
    isActive: bool = True
    acceptedLinesAdded: int = 0
    subscriptionIncludedReqs: int = 0
    usageBasedReqs: int = 0
    apiKeyReqs: int = 0
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
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
    applyMostUsedExtension: str | None = None
    tabMostUsedExtension: str | None = None
    clientVersion: str | None = None
    # /teams/filtered-usage-events
    userEmail: str | None = None
    timestamp: int | None = None  # epoch ms, sent as a string
    tokenUsage: CursorTokenUsage | None = None
    model: str | None = None
    kind: str | None = None
    maxMode: bool | None = None
    requestsCosts: float | None = None
    isTokenBasedCall: bool | None = None
    isFreeBugbot: bool | None = None

    @model_validator(mode="after")
    def _keyed(self) -> CursorRecord:
        if self.userEmail is not None or self.timestamp is not None:
            if not self.userEmail or self.timestamp is None:
                raise ValueError("a usage event needs userEmail and timestamp")
        elif not self.email or self.date_ms is None:
            raise ValueError("a daily-usage record needs email and date")
        return self

    @property
    def is_event(self) -> bool:
        return self.userEmail is not None


def _day_bounds(day: date) -> dict[str, int]:
    start_ms = int(midnight(day).timestamp() * 1000)
    return {"startDate": start_ms, "endDate": int(midnight(next_day(day)).timestamp() * 1000) - 1}


class CursorAdapter(Adapter):
    record_model = CursorRecord
    id_field = "email"

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
        client = sources.tool_client(tool, auth=httpx.BasicAuth(key, ""))
        if not sources.simulated:  # the simulator answers instantly and is never paced
            pacer = Pacer(self.min_interval, self.clock, self.sleep)
            client.event_hooks = {**client.event_hooks, "request": [pacer]}
        return client

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        yield from self._daily(extractor, day)
        yield from self._events(extractor, day)

    def _daily(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        """The day's records; pages only when an answer says there are more (later docs)."""
        body: dict[str, Any] = _day_bounds(day)
        page = 1
        while True:
            answer = envelope(
                extractor.request_json("POST", DAILY_PATH, json=body),
                source=SOURCE,
                endpoint=DAILY_PATH,
            )
            rows = answer.require("data", list)
            yield rows
            if not rows or not answer.optional("pagination.hasNextPage", bool, default=False):
                return
            served = answer.optional("pagination.page", int, default=page)
            if served != page:
                raise PaginationLoopError(
                    f"{SOURCE}: {DAILY_PATH} answered page {served} when asked for page {page}"
                )
            page += 1
            body = {**_day_bounds(day), "page": page}

    def _events(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        """The day's usage events, page by page, reconciled with the count the API states."""
        page, fetched, stated = 1, 0, None
        while True:
            body = {**_day_bounds(day), "page": page, "pageSize": EVENTS_PAGE_SIZE}
            answer = envelope(
                extractor.request_json("POST", EVENTS_PATH, json=body),
                source=SOURCE,
                endpoint=EVENTS_PATH,
            )
            events = answer.require("usageEvents", list)
            if stated is None:
                stated = answer.optional("totalUsageEventsCount", int)
            served = answer.optional("pagination.currentPage", int, default=page)
            if served != page:
                raise PaginationLoopError(
                    f"{SOURCE}: {EVENTS_PATH} answered page {served} when asked for page {page}"
                )
            fetched += len(events)
            yield events
            if not events or not answer.require("pagination.hasNextPage", bool):
                break
            page += 1
        # Events arriving while we page only push others later (newest first): more, not fewer.
        if stated is not None and fetched < stated:
            raise ExtractionError(
                f"{SOURCE}: {EVENTS_PATH} for {day} stated {stated} events but served {fetched}: "
                f"{stated - fetched} missing"
            )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        event_requests: Counter[str] = Counter()
        day_lines: dict[str, int] = {}
        for model, raw in records:
            assert isinstance(model, CursorRecord)
            if model.is_event:
                assert model.userEmail is not None and model.timestamp is not None
                if utc_day(model.timestamp) != day:
                    continue
                usage = model.tokenUsage
                tally = tallies.get_or_add(model.userEmail.strip().lower(), model.userEmail)
                event_requests[tally.identifier] += 1
                if usage is None:  # a request-based call: no tokens, no cost reported
                    tally.add(raw)
                    continue
                # Input counts cache writes and reads (the convention in estimation.py).
                inp = usage.inputTokens + usage.cacheWriteTokens + usage.cacheReadTokens
                tally.add(
                    raw,
                    input_tokens=inp,
                    output_tokens=usage.outputTokens,
                    reported_tokens=inp + usage.outputTokens,
                    cost_usd=None if usage.totalCents is None else usage.totalCents / 100,
                )
                continue
            assert model.email is not None and model.date_ms is not None
            # Every seat holder gets a row daily; a seat with no activity is no usage.
            if utc_day(model.date_ms) != day or not model.isActive:
                continue
            tally = tallies.get_or_add(model.email.strip().lower(), model.email)
            lines = model.acceptedLinesAdded
            tally.add(
                raw,
                requests=model.subscriptionIncludedReqs + model.usageBasedReqs + model.apiKeyReqs,
                accepted_lines=lines,
            )
            day_lines[tally.identifier] = day_lines.get(tally.identifier, 0) + lines
        rows = []
        for t in tallies.values():
            # Measured where the events report tokens; estimated from accepted lines otherwise
            # (a day of request-based calls only, and no daily row, estimates 0 lines).
            if t.reported_tokens is None:
                t.estimated_tokens = accepted_line_tokens(day_lines.get(t.identifier, 0))
            if t.requests is None:  # events without a daily-usage row: count the events
                t.requests = event_requests[t.identifier] or None
            rows.append(t.row(tool, day, RULE_ACCEPTED_LINES, RULE_ACCEPTED_LINES))
        return rows


ADAPTER = CursorAdapter()
