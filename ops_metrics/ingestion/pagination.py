"""Pagination strategies: how to ask for the next page, and when to stop.

Each strategy turns (the request's params, the response body, the page's items) into the next
request's params, or None at the end. APIExtractor refuses a next request it has already made,
so a server that hands back the same cursor fails loudly instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

Params = dict[str, Any]


class Pagination(Protocol):
    def first(self, params: Params) -> Params: ...

    def next(self, params: Params, body: Any, items: list[Any]) -> Params | None: ...


@dataclass(frozen=True)
class CursorPagination:
    """The response names the next cursor (Incident.io `pagination_meta.after`, Anthropic and
    OpenAI `next_page`); stop when it is absent or the page is empty."""

    cursor_param: str
    next_cursor: Callable[[Any], str | None]
    has_more: Callable[[Any], bool] | None = None

    def first(self, params: Params) -> Params:
        return dict(params)

    def next(self, params: Params, body: Any, items: list[Any]) -> Params | None:
        if not items:
            return None
        if self.has_more is not None and not self.has_more(body):
            return None
        cursor = self.next_cursor(body)
        if not cursor:
            return None
        return {**params, self.cursor_param: cursor}


@dataclass(frozen=True)
class PageNumberPagination:
    """1-based page numbers (LiteLLM `page`/`page_size`, Cursor `page`/`pageSize`)."""

    page_param: str
    size_param: str
    page_size: int
    total_pages: Callable[[Any], int | None] | None = None
    has_next: Callable[[Any], bool] | None = None

    def first(self, params: Params) -> Params:
        return {**params, self.page_param: 1, self.size_param: self.page_size}

    def next(self, params: Params, body: Any, items: list[Any]) -> Params | None:
        if not items:
            return None
        page = int(params[self.page_param])
        if self.has_next is not None and not self.has_next(body):
            return None
        if self.total_pages is not None:
            total = self.total_pages(body)
            if total is not None and page >= total:
                return None
        elif self.has_next is None and len(items) < self.page_size:
            return None
        return {**params, self.page_param: page + 1}


@dataclass(frozen=True)
class OffsetPagination:
    """offset/limit (the chat assistant); stop on a short page or past the reported total."""

    offset_param: str
    limit_param: str
    limit: int
    total: Callable[[Any], int | None] | None = None

    def first(self, params: Params) -> Params:
        return {**params, self.offset_param: 0, self.limit_param: self.limit}

    def next(self, params: Params, body: Any, items: list[Any]) -> Params | None:
        if len(items) < self.limit:
            return None
        offset = int(params[self.offset_param]) + len(items)
        if self.total is not None:
            total = self.total(body)
            if total is not None and offset >= total:
                return None
        return {**params, self.offset_param: offset}


@dataclass(frozen=True)
class SinglePage:
    """Endpoints that answer a window in one response (Amp's lookback window, Copilot's report)."""

    def first(self, params: Params) -> Params:
        return dict(params)

    def next(self, params: Params, body: Any, items: list[Any]) -> Params | None:
        return None
