"""OpenAI organization usage: `GET /v1/organization/usage/completions` in 1-day buckets grouped
by `user_id` and `model`, cursor paging (`page` <- `next_page` while `has_more`), Bearer admin key.

People come by `user_id`, resolved through the vendor's own `/v1/organization/users`; removed
members vanish from that list, so their usage stays unresolved (kept, NULL email). Traffic of API
keys that belong to no person comes with `user_id: null`: one API actor row.

Tokens are reported. Cost is measured too, by `GET /v1/organization/costs` (the figures that
reconcile with the invoice), but that endpoint cannot group by user: the day's cost is shared
among the day's rows in proportion to their tokens (input + output), and each row's payload
carries the cost results it was shared from. A day without a cost result keeps `cost_usd` NULL.
See docs/vendors/openai.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import REPORTED
from ops_metrics.ai_tools.identity import collect
from ops_metrics.ai_tools.tools._shared import Adapter, Tallies, VendorModel, midnight, resolve
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import Envelope, EnvelopeError, envelope
from ops_metrics.ingestion.pagination import CursorPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

USAGE_PATH = "/v1/organization/usage/completions"
COSTS_PATH = "/v1/organization/costs"
COST_OBJECT = "organization.costs.result"
USERS_PATH = "/v1/organization/users"
USERS_PAGE_SIZE = 100  # the API's maximum
SOURCE = "ai_tools/openai"
DAY_SECONDS = 86_400


def _page(body: Any, endpoint: str) -> Envelope:
    return envelope(body, source=SOURCE, endpoint=endpoint)


def _when(seconds: int) -> str:
    """A bucket's unix start as UTC ISO text, for messages (a value past datetime's range too)."""
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return "out of range"


def _cursor(endpoint: str, cursor_param: str, cursor_key: str) -> CursorPagination:
    return CursorPagination(
        cursor_param,
        lambda body: _page(body, endpoint).optional(cursor_key, str),
        has_more=lambda body: _page(body, endpoint).optional("has_more", bool, default=False),
    )


USAGE_PAGINATION = _cursor(USAGE_PATH, "page", "next_page")
COSTS_PAGINATION = _cursor(COSTS_PATH, "page", "next_page")
USERS_PAGINATION = _cursor(USERS_PATH, "after", "last_id")
# The API actor for results with `user_id: null` (grouping is by user, so keys are not split).
API_KEYS_WITHOUT_USER = "api-keys-without-user"


class Amount(VendorModel):
    value: float = 0.0
    currency: str = "usd"


class CompletionsResult(VendorModel):
    """A completions usage result or, told apart by `object`, one of the day's cost results
    (`amount`, `line_item`): both come through the same validation and rejects."""

    object: str | None = None
    user_id: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    input_cached_tokens: int | None = None
    num_model_requests: int = 0
    # Cost results only.
    amount: Amount | None = None
    line_item: str | None = None
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    project_id: str | None = None
    api_key_id: str | None = None
    batch: bool | None = None
    input_audio_tokens: int | None = None
    output_audio_tokens: int | None = None
    service_tier: str | None = None

    @property
    def is_cost(self) -> bool:
        return self.object == COST_OBJECT


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

        def results(endpoint: str) -> Callable[[Any], list[dict[str, Any]]]:
            def day_results(body: Any) -> list[dict[str, Any]]:
                out: list[dict[str, Any]] = []
                for bucket in _page(body, endpoint).require("data", list):
                    item = _page(bucket, endpoint)
                    bucket_start = item.require("start_time", int)
                    results = item.require("results", list)
                    if bucket_start == start:
                        out += results
                    else:
                        _skip_other_day(extractor, endpoint, day, bucket_start, len(results))
                return out

            return day_results

        yield from extractor.paginate(
            "GET", USAGE_PATH, USAGE_PAGINATION, results(USAGE_PATH), params
        )
        cost_params = {k: v for k, v in params.items() if k != "group_by[]"}
        yield from extractor.paginate(
            "GET", COSTS_PATH, COSTS_PAGINATION, results(COSTS_PATH), cost_params
        )

    def directory(self, extractor: APIExtractor, sources: SourcesResource) -> dict[str, str]:
        return collect(
            extractor,
            USERS_PATH,
            USERS_PAGINATION,
            lambda body: _page(body, USERS_PATH).require("data", list),
            "id",
            {"limit": USERS_PAGE_SIZE},
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        costs: list[tuple[CompletionsResult, dict[str, Any]]] = []
        for model, raw in records:
            assert isinstance(model, CompletionsResult)
            if model.is_cost:
                costs.append((model, raw))
                continue
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
        _share_costs(tallies, costs)
        return [t.row(tool, day, REPORTED, REPORTED) for t in tallies.values()]


def _skip_other_day(
    extractor: APIExtractor, endpoint: str, day: date, bucket_start: int, results: int
) -> None:
    """A bucket the answer holds besides the day's. One that starts on another UTC midnight is
    that day's (its partition loads it): its results are counted as fetched and skipped, with a
    warning. One that starts off midnight cannot be given to any one UTC day (OpenAI documents
    1d buckets only by example, each from 00:00 UTC, and we ask from a UTC midnight): the day
    fails naming the field rather than load a partial or misdated day."""
    if bucket_start % DAY_SECONDS:
        raise EnvelopeError(
            SOURCE,
            endpoint,
            "start_time",
            f"is {bucket_start} ({_when(bucket_start)}), not a UTC midnight: a bucket_width=1d "
            "bucket must start at 00:00 UTC to be one day's",
        )
    extractor.stats.skip_unread(results)
    extractor.log.warning(
        "%s: %s answered for %s a bucket of another day (start_time %d, %s): its %d results "
        "are counted as skipped, left to that day's partition",
        SOURCE,
        endpoint,
        day,
        bucket_start,
        _when(bucket_start),
        results,
    )


def _share_costs(tallies: Tallies, costs: list[tuple[CompletionsResult, dict[str, Any]]]) -> None:
    """The day's measured cost (USD results of /v1/organization/costs) shared among the rows by
    their tokens, or by their requests when no row has tokens. No cost result: NULL stays."""
    usd = [(m, raw) for m, raw in costs if m.amount and m.amount.currency.lower() == "usd"]
    if not usd or not tallies:
        return
    total = sum(m.amount.value for m, _ in usd if m.amount)
    weights = {k: (t.input_tokens or 0) + (t.output_tokens or 0) for k, t in tallies.items()}
    if not any(weights.values()):
        weights = {k: t.requests or 0 for k, t in tallies.items()}
    whole = sum(weights.values())
    for key, tally in tallies.items():
        share = total * weights[key] / whole if whole else total / len(tallies)
        tally.cost_usd = share
        tally.records.extend(raw for _, raw in usd)


ADAPTER = OpenAIAdapter()
