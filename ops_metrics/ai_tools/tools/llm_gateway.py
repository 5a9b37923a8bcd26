"""LiteLLM proxy: `GET /spend/logs/v2` (one row per request), page-number paging, Bearer key.

Rows are summed per `user` per day. The gateway records whatever `user` the caller passed: an
email for people, a service name for automation keys (API actors).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import REPORTED
from ops_metrics.ai_tools.tools._shared import (
    Adapter,
    Tallies,
    VendorModel,
    is_email,
    next_day,
    utc_day,
)
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.pagination import PageNumberPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

PAGE_SIZE = 100  # LiteLLM's maximum
PAGINATION = PageNumberPagination(
    "page", "page_size", PAGE_SIZE, total_pages=lambda body: body.get("total_pages")
)
# Requests sent without a `user`: kept as one API actor rather than dropped.
UNATTRIBUTED = "unattributed"


class SpendLog(VendorModel):
    request_id: str
    startTime: datetime
    user: str | None = None
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
    end_user: str | None = None
    cache_hit: str | bool | None = None


class LLMGatewayAdapter(Adapter):
    record_model = SpendLog
    id_field = "request_id"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        return self.bearer_client(tool, sources)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        # The end bound may be inclusive: ask up to the next midnight and keep only rows that
        # started on `day` (usage_rows), so no request is lost or counted on two days.
        params = {"start_date": f"{day} 00:00:00", "end_date": f"{next_day(day)} 00:00:00"}
        yield from extractor.paginate(
            "GET", "/spend/logs/v2", PAGINATION, lambda body: body["data"], params
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, SpendLog)
            if utc_day(model.startTime) != day:
                continue  # the neighbouring day's partition loads it
            user = (model.user or "").strip()
            if is_email(user):
                tally = tallies.get_or_add(user.lower(), user)
            else:
                tally = tallies.get_or_add(user or UNATTRIBUTED, None, "api")
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
