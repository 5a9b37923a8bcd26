"""The internal Slack chat assistant: `GET /api/v1/usage/sessions?date=` (one record per
session), offset/limit paging, Bearer key; `GET /api/v1/users` maps Slack ids to emails.

Tokens were logged for some sessions only: reported where logged, estimated per message
elsewhere (see estimation.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import (
    RULE_CHAT_PARTIAL,
    RULE_CHAT_PER_MESSAGE,
    chat_message_tokens,
)
from ops_metrics.ai_tools.identity import collect
from ops_metrics.ai_tools.tools._shared import Adapter, Tallies, VendorModel, resolve, utc_day
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import Envelope, envelope
from ops_metrics.ingestion.pagination import OffsetPagination
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

PAGE_SIZE = 500  # the API's maximum
SESSIONS_PATH = "/api/v1/usage/sessions"
USERS_PATH = "/api/v1/users"


def _page(body: Any, endpoint: str) -> Envelope:
    return envelope(body, source="ai_tools/chat_assistant", endpoint=endpoint)


def _offsets(endpoint: str) -> OffsetPagination:
    return OffsetPagination(
        "offset",
        "limit",
        PAGE_SIZE,
        total=lambda body: _page(body, endpoint).optional("total", int),
    )


def _items(endpoint: str) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda body: _page(body, endpoint).require("items", list)


class ChatSession(VendorModel):
    session_id: str
    slack_user_id: str
    started_at: datetime
    messages: int = 0
    user_email: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    channel_type: str | None = None


class ChatAssistantAdapter(Adapter):
    record_model = ChatSession
    id_field = "session_id"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        return self.bearer_client(tool, sources)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        yield from extractor.paginate(
            "GET",
            SESSIONS_PATH,
            _offsets(SESSIONS_PATH),
            _items(SESSIONS_PATH),
            {"date": day.isoformat()},
        )

    def directory(self, extractor: APIExtractor, sources: SourcesResource) -> dict[str, str]:
        return collect(
            extractor, USERS_PATH, _offsets(USERS_PATH), _items(USERS_PATH), "slack_user_id"
        )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, ChatSession)
            if utc_day(model.started_at) != day:
                continue
            uid = model.slack_user_id
            tally = tallies.get_or_add(uid, model.user_email or resolve(directory, uid))
            measures: dict[str, int | float | None] = {
                "requests": model.messages,
                "sessions": 1,
            }
            if model.input_tokens is not None or model.output_tokens is not None:
                inp, out = model.input_tokens or 0, model.output_tokens or 0
                measures |= {
                    "input_tokens": inp,
                    "output_tokens": out,
                    "reported_tokens": inp + out,
                }
            else:
                measures["estimated_tokens"] = chat_message_tokens(model.messages)
            tally.add(raw, **measures)
        return [
            t.row(tool, day, RULE_CHAT_PER_MESSAGE, RULE_CHAT_PARTIAL) for t in tallies.values()
        ]


ADAPTER = ChatAssistantAdapter()
