"""Errors the ingestion framework raises; each message names the source, record or field."""

from __future__ import annotations


class ExtractionError(RuntimeError):
    """A source could not be read (after retries)."""


class MalformedBody(ExtractionError, ValueError):
    """A 2xx body that does not parse (cut short, a proxy's error page): worth asking again."""


class PaginationLoopError(ExtractionError):
    """The API handed back a cursor it had already given: following it would loop forever."""


class PageBudgetExceeded(ExtractionError):
    """A listing went on past the pages its window can plausibly hold: a cursor that never ends."""


class FetchBudgetExceeded(ExtractionError):
    """A run's fetch went on past its total time budget: a source answering each page just
    inside the per-request deadline, page after page."""


class SchemaValidationError(ValueError):
    """A record breaks the schema: a required field is NULL or cannot be coerced."""

    def __init__(self, source: str, record_id: str | None, field: str, reason: str) -> None:
        self.source = source
        self.record_id = record_id
        self.field = field
        self.reason = reason
        super().__init__(f"{source}: record {record_id or '<no id>'}: field {field!r} {reason}")
