"""LiteLLM proxy: `GET /spend/logs/v2` (one row per request), page-number paging, Bearer key
(docs/vendors/llm_gateway.md).

Who: the caller's identity is `end_user` (the OpenAI `user` field a client passes, usually the
engineer's email); `user` is the user id of the virtual key's owner, the same for everyone on a
shared team key. A row is attributed to `end_user`, and to `user` only when `end_user` is empty
(service keys that pass no caller). Cost is LiteLLM's `spend` (USD).

Completeness: newer proxies stop counting at 10,000 (`total_is_capped`), so `total_pages` then
undercounts. A capped window is split in two (and again) until every part is under the cap;
each part's rows are then compared with its `total`, and a shortfall fails the partition with the
number of rows missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import REPORTED
from ops_metrics.ai_tools.tools._shared import (
    Adapter,
    Tallies,
    VendorModel,
    is_email,
    midnight,
    next_day,
    utc_day,
)
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import envelope
from ops_metrics.ingestion.errors import ExtractionError
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

PATH = "/spend/logs/v2"
SOURCE = "llm_gateway"
PAGE_SIZE = 100  # LiteLLM's maximum (`page_size` le=100)
# The format /spend/logs/v2 takes for start_date/end_date (UTC, second precision).
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Requests sent without any identity: kept as one API actor rather than dropped.
UNATTRIBUTED = "unattributed"


class SpendLog(VendorModel):
    request_id: str
    startTime: datetime
    user: str | None = None
    end_user: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int | None = None
    spend: float | None = None
    model: str | None = None
    status: str | None = None
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    call_type: str | None = None
    endTime: datetime | None = None
    model_group: str | None = None
    custom_llm_provider: str | None = None
    team_id: str | None = None
    cache_hit: str | bool | None = None
    api_key: str | None = None  # the hashed virtual key
    completionStartTime: datetime | None = None
    model_id: str | None = None
    api_base: str | None = None
    organization_id: str | None = None
    metadata: dict[str, Any] | str | None = None
    cache_key: str | None = None
    request_tags: list[str] | str | None = None
    requester_ip_address: str | None = None
    messages: Any = None
    response: Any = None
    proxy_server_request: Any = None
    session_id: str | None = None
    mcp_namespaced_tool_name: str | None = None
    agent_id: str | None = None


def caller(log: SpendLog) -> str:
    """Who made the request: `end_user`, else the key owner `user` (see the module doc)."""
    return (log.end_user or "").strip() or (log.user or "").strip()


class LLMGatewayAdapter(Adapter):
    record_model = SpendLog
    id_field = "request_id"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        return self.bearer_client(tool, sources)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        # The end bound may be inclusive: ask up to the next midnight and keep only rows that
        # started on `day` (usage_rows), so no request is lost or counted on two days.
        seen: set[str] = set()
        yield from self._window(extractor, midnight(day), midnight(next_day(day)), seen)

    def _window(
        self, extractor: APIExtractor, start: datetime, end: datetime, seen: set[str]
    ) -> Iterator[list[dict[str, Any]]]:
        """Every row of [start, end] (both inclusive), narrowing while the count is capped.
        Halves share their boundary second, so `seen` (request ids) drops the repeats."""
        window = {"start_date": start.strftime(TIME_FORMAT), "end_date": end.strftime(TIME_FORMAT)}
        first = self._page(extractor, window, 1)
        if first.optional("total_is_capped", bool, default=False):
            if end - start <= timedelta(seconds=1):
                raise ExtractionError(
                    f"{SOURCE}: {PATH} still caps its total for the one-second window "
                    f"{window['start_date']}..{window['end_date']}: cannot be read completely"
                )
            middle = start + timedelta(seconds=int((end - start).total_seconds()) // 2)
            yield from self._window(extractor, start, middle, seen)
            yield from self._window(extractor, middle, end, seen)
            return
        total = first.require("total", int)
        pages = first.require("total_pages", int)
        answer, page, fetched = first, 1, 0
        while True:
            rows = answer.require("data", list)
            fetched += len(rows)
            fresh = []
            for row in rows:
                request_id = row.get("request_id") if isinstance(row, dict) else None
                if request_id is None or request_id not in seen:
                    fresh.append(row)
                    if request_id is not None:
                        seen.add(request_id)
            yield fresh
            if not rows or page >= pages:
                break
            page += 1
            answer = self._page(extractor, window, page)
        if fetched < total:
            raise ExtractionError(
                f"{SOURCE}: {PATH} stated {total} rows for {window['start_date']}.."
                f"{window['end_date']} but served {fetched}: {total - fetched} missing"
            )

    @staticmethod
    def _page(extractor: APIExtractor, window: dict[str, str], page: int) -> Any:
        params = {**window, "page": page, "page_size": PAGE_SIZE}
        body = extractor.request_json("GET", PATH, params=params)
        return envelope(body, source=SOURCE, endpoint=PATH)

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, SpendLog)
            if utc_day(model.startTime) != day:
                continue  # the neighbouring day's partition loads it
            who = caller(model)
            if is_email(who):
                tally = tallies.get_or_add(who.lower(), who)
            else:
                tally = tallies.get_or_add(who or UNATTRIBUTED, None, "api")
            reported = model.total_tokens
            if reported is None:
                reported = model.prompt_tokens + model.completion_tokens
            tally.add(
                raw,
                requests=1,
                input_tokens=model.prompt_tokens,
                output_tokens=model.completion_tokens,
                reported_tokens=reported,
                cost_usd=model.spend,
            )
        return [t.row(tool, day, REPORTED, REPORTED) for t in tallies.values()]


ADAPTER = LLMGatewayAdapter()
