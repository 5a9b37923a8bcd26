"""Incidents updated in a window, page by page, from `GET /v2/incidents`.

The filter is sent in the form the OpenAPI spec documents: dates (`updated_at[gte]=2024-05-01`),
where `lte=2021-01-02` means "on or before 2021-01-02T00:00:00Z". Timestamps are not documented,
and an API that read only their date part would silently drop most of an hour's incidents, so we
ask for whole days that cover the window (a superset under any reading of a date) and bound the
window ourselves: an incident is kept when its `updated_at` falls in [window.start, window.end].

When a page states `pagination_meta.total_record_count`, the fetch is reconciled with it: fewer
incidents than stated fails the partition with the number missing. See docs/vendors/incident_io.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import Envelope, envelope
from ops_metrics.ingestion.errors import ExtractionError
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.pagination import CursorPagination

PATH = "/v2/incidents"
PAGE_SIZE = 250  # the API's maximum: fewest requests against the 1,200/min limit


class IncompleteFetchError(ExtractionError):
    """The API stated more matching incidents than it served."""


def covering_days(window: Window) -> tuple[date, date]:
    """The dates to send: the day the window starts on, and the first midnight at or after its
    end. Under the spec's reading (a date is its midnight) that is [start's midnight, end's
    next midnight]; under a whole-day reading it is a day more. Both cover the window."""
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    last = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return start.date(), last


def filter_params(window: Window) -> dict[str, str]:
    first, last = covering_days(window)
    return {"updated_at[gte]": first.isoformat(), "updated_at[lte]": last.isoformat()}


def updated_at(record: dict[str, Any]) -> datetime | None:
    """A raw incident's `updated_at` in UTC, or None when it is missing or unreadable (the
    record is then passed on for the transformer to reject, never dropped here)."""
    value = record.get("updated_at")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # 9999-12-31T23:30-01:00 is past datetime's range in UTC
        return None


def in_window(record: dict[str, Any], window: Window) -> bool:
    """Whether this partition passes the record on. Left out are only the incidents the date
    filter rightly brought from a neighbouring hour (that hour's partition loads them). A record
    the API should not have sent at all, outside the covering days (an `updated_at` in 9999, or
    in year 1), is passed on so the transformer rejects it with a reason, never dropped here; a
    plausible one merges idempotently under its version."""
    moment = updated_at(record)
    if moment is None or window.start <= moment <= window.end:
        return True
    first, last = covering_days(window)
    asked_from = datetime.combine(first, time(0), UTC)
    asked_to = datetime.combine(last + timedelta(days=1), time(0), UTC)
    return not asked_from <= moment < asked_to


class IncidentExtractor(APIExtractor):
    """`pages(window)` yields only the incidents of the window; `stats.records` counts those,
    `outside_window` the ones the date filter also brought and we left out."""

    outside_window: int = 0

    def pages(self, window: Window) -> Iterator[list[dict[str, Any]]]:
        params: dict[str, Any] = {"page_size": PAGE_SIZE, **filter_params(window)}
        pagination = CursorPagination(
            cursor_param="after",
            next_cursor=lambda body: self._envelope(body).optional("pagination_meta.after", str),
        )
        fetched: set[str] = set()
        unnamed = 0  # records without an id (the transformer rejects them) still count
        # The smallest total any page stated. An incident updated while we page can enter the
        # filter (behind our cursor) or leave it (ahead of it) and move the count; the smallest
        # stated count leaves both out, so only incidents the API held back remain a shortfall.
        stated: list[int] = []

        def items(body: Any) -> list[dict[str, Any]]:
            page = self._envelope(body)
            incidents = page.require("incidents", list)
            total = page.optional("pagination_meta.total_record_count", int)
            if total is not None:
                stated.append(total)
            return incidents

        for incidents in self.paginate("GET", PATH, pagination, items, params):
            for incident in incidents:
                ident = incident.get("id") if isinstance(incident, dict) else None
                if isinstance(ident, str):
                    fetched.add(ident)
                else:
                    unnamed += 1
            kept = [i for i in incidents if not isinstance(i, dict) or in_window(i, window)]
            self.outside_window += len(incidents) - len(kept)
            yield kept
        served = len(fetched) + unnamed
        if stated and served < min(stated):
            first, last = covering_days(window)
            raise IncompleteFetchError(
                f"{self.source}: GET {PATH} stated total_record_count={min(stated)} for "
                f"updated_at {first}..{last} but served {served} incidents: "
                f"{min(stated) - served} missing"
            )

    def _envelope(self, body: Any) -> Envelope:
        return envelope(body, source=self.source, endpoint=PATH)
