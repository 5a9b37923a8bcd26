"""Parse `GET /v2/incidents` query parameters (bracket syntax) into a ListQuery, or raise
ValidationError naming the offending parameter (the API's 422)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ops_metrics.simulators.incident_io import catalog
from ops_metrics.simulators.incident_io.lifecycle import DAY, SimIncident
from ops_metrics.simulators.incident_io.universe import to_ms

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 250
_PARAM = re.compile(r"^(\w+)\[(\w+)\]$")
_LIST_OPS = frozenset({"one_of", "not_in"})
_OPERATORS = {
    "created_at": {"gte", "lte", "date_range"},
    "updated_at": {"gte", "lte", "date_range"},
    "status_category": _LIST_OPS,
    "status": _LIST_OPS,
    "severity": _LIST_OPS | {"gte", "lte"},
    "incident_type": _LIST_OPS,
    "mode": {"one_of"},
}
# Which ids each list filter accepts, to reject typos with a 422 instead of matching nothing.
_KNOWN = {
    "status_category": catalog.STATUS_CATEGORIES,
    "status": frozenset(catalog.STATUS_BY_ID),
    "severity": frozenset(catalog.SEVERITY_BY_ID),
    "incident_type": frozenset(catalog.INCIDENT_TYPE_BY_ID),
    "mode": frozenset(catalog.MODES),
}

Predicate = Callable[[SimIncident, int], bool]


class ValidationError(ValueError):
    def __init__(self, field: str, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


@dataclass(frozen=True)
class ListQuery:
    page_size: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    modes: frozenset[str] = catalog.DEFAULT_MODES
    predicates: tuple[Predicate, ...] = ()
    key: tuple[object, ...] = ()  # a hashable summary of the filters, for caching matches


def parse_time(param: str, text: str) -> int:
    """A filter value as ms since the epoch, read the way the OpenAPI spec documents it: a date
    (`2024-05-01`) is its midnight UTC, so `lte=2021-01-02` means "on or before
    2021-01-02T00:00:00Z". Timestamps are not documented: like an API that reads only the date
    part, this simulator drops their time of day (a client sending `…T05:00:00Z` gets the whole
    day's midnight, not the hour it asked for)."""
    text = text.strip()
    try:
        day = date.fromisoformat(text[:10])
        if len(text) > 10:
            # Still a well-formed timestamp (an unencoded "+01:00" arrives as " 01:00").
            datetime.fromisoformat(re.sub(r" (\d\d:?\d\d)$", r"+\1", text))
    except ValueError:
        raise ValidationError(param, f"{param} must be a date (YYYY-MM-DD)") from None
    return to_ms(datetime.combine(day, datetime.min.time(), UTC))


def _time_predicate(field: str, param: str, op: str, value: str) -> Predicate:
    if op == "date_range":
        start, sep, end = value.partition("~")
        if not sep or len(start.strip()) != 10 or len(end.strip()) != 10:
            raise ValidationError(param, f"{param} must look like 2025-01-01~2025-01-31")
        lo, hi = parse_time(param, start), parse_time(param, end) + DAY  # both days inclusive
    else:
        t = parse_time(param, value)
        lo, hi = (t, None) if op == "gte" else (None, t + 1)
    if field == "created_at":
        return lambda inc, now: (
            (lo is None or inc.created >= lo) and (hi is None or inc.created < hi)
        )

    def updated(inc: SimIncident, now: int) -> bool:
        u = inc.updated_at(now)
        return (lo is None or u >= lo) and (hi is None or u < hi)

    return updated


def _list_predicate(field: str, op: str, values: frozenset[str]) -> Predicate:
    keep = op == "one_of"
    if field == "status_category":
        return lambda inc, now: (catalog.STATUSES[inc.status_at(now)]["category"] in values) == keep
    if field == "status":
        keys = {catalog.STATUS_BY_ID[v] for v in values}
        return lambda inc, now: (inc.status_at(now) in keys) == keep
    if field == "incident_type":
        types = {catalog.INCIDENT_TYPE_BY_ID[v] for v in values}
        return lambda inc, now: (inc.incident_type in types) == keep
    sevs = {catalog.SEVERITY_BY_ID[v] for v in values}
    return lambda inc, now: (inc.severity_at(now) in sevs) == keep


def parse_list_query(query: list[tuple[str, str]]) -> ListQuery:
    page_size, after = DEFAULT_PAGE_SIZE, None
    predicates: list[Predicate] = []
    # Repeated list parameters (status_category[one_of]=a&status_category[one_of]=b) add up.
    lists: dict[tuple[str, str], set[str]] = {}
    key: list[tuple[str, str]] = []
    for param, value in query:
        if param == "page_size":
            page_size = _page_size(value) if value.strip() else page_size
            continue
        if param == "after":
            after = value.strip() or None
            continue
        match = _PARAM.match(param)
        if not match or match[1] not in _OPERATORS:
            continue  # like the real API, parameters it does not know are ignored
        field, op = match[1], match[2]
        if op not in _OPERATORS[field]:
            raise ValidationError(param, f"{field} does not support the operator {op!r}")
        key.append((param, value))
        if field in ("created_at", "updated_at"):
            predicates.append(_time_predicate(field, param, op, value))
            continue
        values = {v.strip() for v in value.split(",") if v.strip()}
        unknown = values - _KNOWN[field]
        if not values or unknown:
            raise ValidationError(
                param, f"{param} has unknown values: {sorted(unknown) or [value]}"
            )
        lists.setdefault((field, op), set()).update(values)
    modes = frozenset(lists.pop(("mode", "one_of"), catalog.DEFAULT_MODES))
    for (field, op), values in lists.items():
        if op in _LIST_OPS:
            predicates.append(_list_predicate(field, op, frozenset(values)))
        elif len(values) != 1:
            raise ValidationError(f"{field}[{op}]", f"{field}[{op}] takes one severity id")
        else:
            predicates.append(_rank_predicate(op, catalog.SEVERITY_BY_ID[values.pop()]))
    return ListQuery(page_size, after, modes, tuple(predicates), tuple(sorted(key)))


def _page_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise ValidationError("page_size", "page_size must be an integer") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError("page_size", f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return size


def _rank_predicate(op: str, rank: int) -> Predicate:
    """severity[gte|lte]=<id>: compare ranks; incidents without a severity never match."""
    if op == "gte":
        return lambda inc, now: inc.severity_at(now) >= rank
    return lambda inc, now: 0 <= inc.severity_at(now) <= rank
