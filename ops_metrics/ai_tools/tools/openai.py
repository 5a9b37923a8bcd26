"""OpenAI organization usage: `GET /v1/organization/usage/completions` in 1-day buckets grouped
by `user_id` and `model`, cursor paging (`page` <- `next_page` while `has_more`), Bearer admin key.

People come by `user_id`, resolved through the vendor's own `/v1/organization/users`; removed
members vanish from that list, so their usage stays unresolved (kept, NULL email). Traffic of API
keys that belong to no person comes with `user_id: null`: one API actor row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import REPORTED
from ops_metrics.ai_tools.identity import collect
from ops_metrics.ai_tools.tools._shared import Adapter, Tallies, VendorModel, midnight, resolve
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.pagination import CursorPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

USAGE_PATH = "/v1/organization/usage/completions"
USERS_PATH = "/v1/organization/users"
USERS_PAGE_SIZE = 100  # the API's maximum
PAGINATION = CursorPagination(
    "page", lambda body: body.get("next_page"), has_more=lambda body: bool(body.get("has_more"))
)
USERS_PAGINATION = CursorPagination(
    "after", lambda body: body.get("last_id"), has_more=lambda body: bool(body.get("has_more"))
)
# The API actor for results with `user_id: null` (grouping is by user, so keys are not split).
API_KEYS_WITHOUT_USER = "api-keys-without-user"


class CompletionsResult(VendorModel):
    user_id: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    input_cached_tokens: int | None = None
    num_model_requests: int = 0
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    object: str | None = None
    project_id: str | None = None
    api_key_id: str | None = None
    batch: bool | None = None
    input_audio_tokens: int | None = None
    output_audio_tokens: int | None = None


class OpenAIAdapter(Adapter):
    record_model = CompletionsResult
    id_field = "user_id"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        return self.bearer_client(tool, sources)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        start = int(midnight(day).timestamp())
        params = {
            "start_time": start,
            "end_time": start + 86_400,
            "bucket_width": "1d",
            "group_by[]": ["user_id", "model"],
            "limit": 1,
        }

        def results(body: Any) -> list[dict[str, Any]]:
            return [r for b in body["data"] if b["start_time"] == start for r in b["results"]]

        yield from extractor.paginate("GET", USAGE_PATH, PAGINATION, results, params)

    def directory(self, extractor: APIExtractor, sources: SourcesResource) -> dict[str, str]:
        return collect(
            extractor,
            USERS_PATH,
            USERS_PAGINATION,
            lambda body: body["data"],
            "id",
            {"limit": USERS_PAGE_SIZE},
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, CompletionsResult)
            if model.user_id:
                tally = tallies.get_or_add(model.user_id, resolve(directory, model.user_id))
            else:
                tally = tallies.get_or_add(API_KEYS_WITHOUT_USER, None, "api")
            tally.add(
                raw,
                requests=model.num_model_requests,
                input_tokens=model.input_tokens,  # includes cached input tokens
                output_tokens=model.output_tokens,
                reported_tokens=model.input_tokens + model.output_tokens,
            )
        return [t.row(tool, day, REPORTED, REPORTED) for t in tallies.values()]


ADAPTER = OpenAIAdapter()
