"""Reading a response's envelope (the keys around the records: `data`, `pagination`, `next_page`).

An envelope that is not the documented shape is not data: the partition fails with an
`EnvelopeError` that names the source, the endpoint and the key, never a bare `KeyError` or
`TypeError`, and nothing (rows, watermark) moves forward. One bad *record* is a different thing:
it is rejected on its own by the transformer.

    items = envelope(body, source="cursor", endpoint="/teams/daily-usage-data")
    rows = items.require("data", list)
    more = items.optional("pagination.hasNextPage", bool, default=False)
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from ops_metrics.ingestion.errors import ExtractionError

T = TypeVar("T")
_MISSING = object()
# A lone surrogate: in a body's JSON, or bytes that were not UTF-8 (values.decoded). A cursor or
# a key holding one could not even be sent back in the next request.
_SURROGATE = re.compile("[\ud800-\udfff]")


class EnvelopeError(ExtractionError):
    """A response's envelope lacks a documented key or holds the wrong type there."""

    def __init__(self, source: str, endpoint: str, key: str, problem: str) -> None:
        self.source = source
        self.endpoint = endpoint
        self.key = key
        super().__init__(f"{source}: {endpoint} answered an unexpected shape: {key!r} {problem}")


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


class Envelope:
    """One response body, with the source and endpoint that every error names."""

    def __init__(self, body: Any, source: str, endpoint: str) -> None:
        self.body = body
        self.source = source
        self.endpoint = endpoint

    def _error(self, key: str, problem: str) -> EnvelopeError:
        return EnvelopeError(self.source, self.endpoint, key, problem)

    def _lookup(self, key: str) -> Any:
        """The value at a dotted path, or _MISSING where a part of the path is absent."""
        value = self.body
        walked: list[str] = []
        for part in key.split("."):
            if not isinstance(value, dict):
                where = ".".join(walked) or "the body"
                raise self._error(key, f"cannot be read: {where} is {type(value).__name__}")
            walked.append(part)
            if part not in value:
                return _MISSING
            value = value[part]
        return value

    def _check(self, key: str, value: Any, expected: type | tuple[type, ...]) -> Any:
        # bool is an int in Python; a count must not accept `true`, nor a flag accept 1.
        bad_bool = isinstance(value, bool) and bool not in (
            expected if isinstance(expected, tuple) else (expected,)
        )
        if not isinstance(value, expected) or bad_bool:
            raise self._error(key, f"is {type(value).__name__}, expected {_type_name(expected)}")
        if isinstance(value, str) and _SURROGATE.search(value):
            raise self._error(key, "is not valid Unicode (a lone surrogate or bytes not UTF-8)")
        return value

    def require(self, key: str, expected: type[T] | tuple[type, ...]) -> T:
        value = self._lookup(key)
        if value is _MISSING:
            raise self._error(key, "is missing")
        if value is None:
            raise self._error(key, f"is null, expected {_type_name(expected)}")
        return self._check(key, value, expected)

    def optional(
        self, key: str, expected: type[T] | tuple[type, ...], default: Any = None
    ) -> T | Any:
        """A documented-optional key: absent or null gives `default`, a wrong type still fails."""
        value = self._lookup(key)
        if value is _MISSING or value is None:
            return default
        return self._check(key, value, expected)


def envelope(body: Any, *, source: str, endpoint: str) -> Envelope:
    return Envelope(body, source, endpoint)
