"""Incidents updated in a window, page by page, from `GET /v2/incidents`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import envelope
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.pagination import CursorPagination

ENDPOINT = "/v2/incidents"
PAGE_SIZE = 250  # the API's maximum: fewest requests against the 1,200/min limit


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IncidentExtractor(APIExtractor):
    """The envelope is read through `envelope()`: `{"incidents": null}`, a body `"abc"` or a
    cursor that is not a string fail the partition with an EnvelopeError naming the workspace,
    the endpoint and the key, before any row or the watermark moves."""

    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        params = {
            "page_size": PAGE_SIZE,
            "updated_at[gte]": _iso(window.start),
            "updated_at[lte]": _iso(window.end),
        }
        pagination = CursorPagination(cursor_param="after", next_cursor=self._next_cursor)
        yield from self.paginate("GET", ENDPOINT, pagination, self._records, params)

    def _records(self, body: Any) -> list[dict[str, Any]]:
        return envelope(body, source=self.source, endpoint=ENDPOINT).require("incidents", list)

    def _next_cursor(self, body: Any) -> str | None:
        # `pagination_meta` and its `after` are absent on the last page (the v2 spec).
        page = envelope(body, source=self.source, endpoint=ENDPOINT)
        return page.optional("pagination_meta.after", str)
