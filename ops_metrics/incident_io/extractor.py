"""Incidents updated in a window, page by page, from `GET /v2/incidents`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.pagination import CursorPagination

PAGE_SIZE = 250  # the API's maximum: fewest requests against the 1,200/min limit

PAGINATION = CursorPagination(
    cursor_param="after",
    next_cursor=lambda body: (body.get("pagination_meta") or {}).get("after"),
)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IncidentExtractor(APIExtractor):
    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        params = {
            "page_size": PAGE_SIZE,
            "updated_at[gte]": _iso(window.start),
            "updated_at[lte]": _iso(window.end),
        }
        yield from self.paginate(
            "GET", "/v2/incidents", PAGINATION, lambda b: b["incidents"], params
        )
