"""Review Bot's adapter: `GET /review-bot/v1/usage` for one UTC day, page by page, one record
per engineer (by email). The API reports reviews, not tokens, so tokens are estimated by this
module's own rule, declared here with its description: a new tool needs no edit of estimation.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.tools._shared import Adapter, Tallies, VendorModel
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import envelope
from ops_metrics.ingestion.pagination import PageNumberPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

PATH = "/review-bot/v1/usage"
TOKENS_PER_REVIEW = 2_000
RULE_PER_REVIEW = "review_bot_2000_per_review"
ESTIMATION_RULES = {RULE_PER_REVIEW: f"{TOKENS_PER_REVIEW:,} tokens per Review Bot review"}


class ReviewDay(VendorModel):
    id: str
    email: str
    date: date
    reviews: int


class ReviewBotAdapter(Adapter):
    record_model = ReviewDay

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        return self.bearer_client(tool, sources)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        def page(body: Any) -> Any:
            return envelope(body, source=extractor.source, endpoint=PATH)

        pagination = PageNumberPagination(
            "page",
            "size",
            25,
            has_next=lambda body: page(body).optional("next_page", int) is not None,
        )
        yield from extractor.paginate(
            "GET",
            PATH,
            pagination,
            lambda body: page(body).require("data", list),
            {"date": day.isoformat()},
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            if not isinstance(model, ReviewDay) or model.date != day:
                continue
            tally = tallies.get_or_add(model.email.lower(), model.email)
            tally.add(
                raw, requests=model.reviews, estimated_tokens=model.reviews * TOKENS_PER_REVIEW
            )
        return [t.row(tool, day, RULE_PER_REVIEW, RULE_PER_REVIEW) for t in tallies.values()]


ADAPTER = ReviewBotAdapter()
