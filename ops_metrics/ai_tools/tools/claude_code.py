"""Anthropic Claude Code Analytics: `GET /v1/organizations/usage_report/claude_code`, one UTC day
per call, cursor paging (`page` <- `next_page` while `has_more`), `x-api-key` + version header.

Tokens are reported per model in `model_breakdown`; rows without one are estimated per session
(see estimation.py). `date` arrives as `YYYY-MM-DD` or as a midnight timestamp: normalised here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
from pydantic import Field, field_validator

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import (
    RULE_CLAUDE_CODE_PARTIAL,
    RULE_CLAUDE_CODE_PER_REQUEST,
    claude_code_tokens,
)
from ops_metrics.ai_tools.tools._shared import Adapter, Tallies, VendorModel, utc_day
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import Envelope, envelope
from ops_metrics.ingestion.pagination import CursorPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

API_VERSION = "2023-06-01"
PAGE_LIMIT = 1000  # the API's maximum
ENDPOINT = "/v1/organizations/usage_report/claude_code"


def _page(body: Any) -> Envelope:
    return envelope(body, source="ai_tools/claude_code", endpoint=ENDPOINT)


PAGINATION = CursorPagination(
    "page",
    lambda body: _page(body).optional("next_page", str),
    has_more=lambda body: _page(body).optional("has_more", bool, default=False),
)
TOKEN_KINDS = ("input", "output", "cache_read", "cache_creation")


class Actor(VendorModel):
    type: str
    email_address: str | None = None
    api_key_name: str | None = None


class Cost(VendorModel):
    currency: str = "USD"
    amount: float = 0.0  # cents


class ModelUsage(VendorModel):
    model: str | None = None
    tokens: dict[str, int] = Field(default_factory=dict)
    estimated_cost: Cost | None = None


class CoreMetrics(VendorModel):
    num_sessions: int = 0
    lines_of_code: dict[str, int] = Field(default_factory=dict)


class ClaudeCodeRow(VendorModel):
    day: date = Field(alias="date")
    actor: Actor
    core_metrics: CoreMetrics
    model_breakdown: list[ModelUsage] = Field(default_factory=list)
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    organization_id: str | None = None
    customer_type: str | None = None
    terminal_type: str | None = None
    subscription_type: str | None = None
    tool_actions: dict[str, dict[str, int]] = Field(default_factory=dict)

    @field_validator("day", mode="before")
    @classmethod
    def _normalise_day(cls, value: object) -> date:
        return utc_day(value)  # "2025-10-08" and "2025-10-08T00:00:00Z" are the same day


class ClaudeCodeAdapter(Adapter):
    record_model = ClaudeCodeRow
    id_field = "actor"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        key = self.api_key(tool, sources)
        headers = {"x-api-key": key, "anthropic-version": API_VERSION}
        return sources.tool_client(tool, headers=headers)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        params = {"starting_at": day.isoformat(), "limit": PAGE_LIMIT}
        yield from extractor.paginate(
            "GET",
            ENDPOINT,
            PAGINATION,
            lambda body: _page(body).require("data", list),
            params,
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, ClaudeCodeRow)
            if model.day != day:
                continue
            actor = model.actor
            if actor.type == "user_actor" and actor.email_address:
                tally = tallies.get_or_add(actor.email_address.lower(), actor.email_address)
            else:  # an API key: no person behind it
                tally = tallies.get_or_add(actor.api_key_name or actor.type, None, "api")
            sessions = model.core_metrics.num_sessions
            measures: dict[str, int | float | None] = {
                "requests": sessions,  # a "request" is a session: see estimation.py
                "sessions": sessions,
                "accepted_lines": model.core_metrics.lines_of_code.get("added"),
            }
            if model.model_breakdown:
                tokens = {
                    k: sum(m.tokens.get(k, 0) for m in model.model_breakdown) for k in TOKEN_KINDS
                }
                # Input includes cache reads and writes, as OpenAI and LiteLLM count prompts.
                prompt = tokens["input"] + tokens["cache_read"] + tokens["cache_creation"]
                cents = sum(
                    m.estimated_cost.amount
                    for m in model.model_breakdown
                    if m.estimated_cost and m.estimated_cost.currency.upper() == "USD"
                )
                measures |= {
                    "input_tokens": prompt,
                    "output_tokens": tokens["output"],
                    "reported_tokens": prompt + tokens["output"],
                    "cost_usd": cents / 100,
                }
            else:
                measures["estimated_tokens"] = claude_code_tokens(sessions)
            tally.add(raw, **measures)
        return [
            t.row(tool, day, RULE_CLAUDE_CODE_PER_REQUEST, RULE_CLAUDE_CODE_PARTIAL)
            for t in tallies.values()
        ]


ADAPTER = ClaudeCodeAdapter()
