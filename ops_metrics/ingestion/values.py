"""Values no warehouse column can hold, found per record before they reach one.

A hostile or broken vendor sends, in one record among thousands: an integer beyond 64 bits
(10^30: `OverflowError` when staged as BIGINT), a lone UTF-16 surrogate (`"\\ud800"`:
`UnicodeEncodeError` when staged as VARCHAR, "no low surrogate" from DuckDB's JSON), `NaN` or
`Infinity` (not JSON), a timestamp that is no real instant (`9999-12-31T23:30-01:00` overflows
once in UTC; `0001-01-01T00:10+01:00` underflows), or JSON nested 10,000 deep (`RecursionError`
in the parser). Each of these used to fail the whole partition. Here each is a *reason* for the
transformer to reject that record alone (ingestion/transformer.py), and `storable_payload` makes
the rejected record itself storable in `raw.<table>__rejects`.

The checks cost little on the good path: one serialisation of the raw record (json_fast's where
it is provably the stdlib's, else `json.dumps`; surrogates, NaN, depth) and a walk over the
validated model's typed int and datetime fields only (ranges); the exact walk that names the
offending path in the raw record runs only on a suspicious one.
"""

from __future__ import annotations

import functools
import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

from pydantic import AwareDatetime, BaseModel, FutureDatetime, NaiveDatetime, PastDatetime

from ops_metrics.ingestion import json_fast
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.table import Column

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Depth kept when a body is nested beyond what the JSON parser takes (~1,000 levels): anything
# deeper is cut to TOO_DEEP, and the record holding it is rejected. Vendor payloads are < 10 deep.
MAX_DEPTH = 64
# U+FDD0 is a Unicode noncharacter: no vendor text carries it, and it encodes (unlike \x00,
# which json.dumps escapes).
TOO_DEEP = "\ufdd0ops_metrics:nested-too-deep\ufdd0"
_TOO_DEEP_ASCII = "ops_metrics:nested-too-deep"
# None of our vendors' products existed before 2020 (Incident.io, GitHub Copilot: 2021; Cursor,
# Amp, Claude Code later); an earlier instant is a placeholder or garbage, not history.
EARLIEST_PLAUSIBLE = datetime(2020, 1, 1, tzinfo=UTC)
# Vendor clocks run a little ahead of ours; a day ahead is not skew but a bad value. A future
# `updated_at` would otherwise win the merge's version guard forever (warehouse/merge_sql.py).
FUTURE_TOLERANCE = timedelta(days=1)

_SURROGATE = re.compile("[\ud800-\udfff]")
# A lone surrogate from the JSON (`"\\ud800"`) or from bytes that were not UTF-8 (`decoded`).
_NOT_UNICODE = "holds a lone UTF-16 surrogate or bytes that are not UTF-8 (not valid Unicode)"
# A high surrogate escape without a low one after it, or a low one without a high one before.
_LONE_ESCAPE = re.compile(
    r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}"
)
_STRUCTURE = re.compile(r'["\\\[\]{}]')


def printable(text: str) -> str:
    """`text` with lone surrogates shown as `\\udXXX`, so it can go into a message or a table."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _path(parts: list[str | int]) -> str:
    return ".".join(printable(str(p)) for p in parts) or "<record>"


def _walk(value: Any, parts: list[str | int]) -> tuple[str, str] | None:
    """The first (path, reason) in `value` that no warehouse can hold, or None."""
    if len(parts) > MAX_DEPTH:
        return _path(parts), f"is nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        if value == TOO_DEEP:
            return _path(parts), f"is nested deeper than {MAX_DEPTH} levels"
        if _SURROGATE.search(value):
            return _path(parts), _NOT_UNICODE
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return _path(parts), "is an integer beyond the 64-bit range"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return _path(parts), f"is {value!r}, not a finite number"
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _SURROGATE.search(key):
                return _path([*parts, key]), "has a key with a lone UTF-16 surrogate"
            found = _walk(item, [*parts, key])
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _walk(item, [*parts, index])
            if found:
                return found
    return None


def record_json(record: dict[str, Any]) -> tuple[str, tuple[str, str] | None]:
    """A raw record's compact JSON text, exactly as the raw tables' `payload` column stores it
    (so a row need not serialise it again), and (path, reason) of the first value no warehouse
    can store as JSON: a lone surrogate, NaN or Infinity, JSON nested too deep. (An integer
    beyond 64 bits is valid JSON: it is refused only where it meets a BIGINT, by
    `implausible_value` on the typed model.)

    The text is json_fast's when that is provably the stdlib's (several times faster), else the
    stdlib's; NaN, Infinity and lone surrogates always take the stdlib's road, which finds them."""
    text = json_fast.compact(record)
    if text is None:
        try:
            text = json.dumps(record, allow_nan=False, separators=(",", ":"))
        except (ValueError, RecursionError):
            return "", _walk(record, []) or ("<record>", "cannot be written as JSON")
    # ASCII text: a surrogate shows as a `\udXXX` escape; one without its pair is the problem.
    # `"\\" in text` first: a one-character search is a memchr (0.06 us on a 5.8 kB incident,
    # `"\\ud" in text` 3.1 us), and most payloads hold no backslash at all.
    if ("\\" in text and "\\ud" in text and _LONE_ESCAPE.search(text)) or _TOO_DEEP_ASCII in text:
        return text, _walk(record, [])
    return text, None


def unstorable(record: dict[str, Any]) -> tuple[str, str] | None:
    """(path, reason) of the first value in a raw record that no warehouse can store as JSON."""
    return record_json(record)[1]


# pydantic's constrained datetimes are marker classes, not datetime subclasses.
_PYDANTIC_DATETIMES = (AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)


def _holds_checked(tp: Any, seen: frozenset[type] = frozenset()) -> bool:
    """Whether a field annotation can hold an int, a datetime or a model that does."""
    if tp is bool:
        return False
    if tp in _PYDANTIC_DATETIMES:
        return True
    if isinstance(tp, type):
        if issubclass(tp, int | datetime):
            return True
        if issubclass(tp, BaseModel):
            return tp not in seen and bool(_checked_fields(tp, seen | {tp}))
    return any(_holds_checked(arg, seen) for arg in get_args(tp))


@functools.cache
def _checked_fields(model: type[BaseModel], seen: frozenset[type] = frozenset()) -> tuple[str, ...]:
    """The fields of `model` worth walking for typed values (cached per class: walking only
    these keeps the check to a few microseconds a record)."""
    return tuple(
        name for name, f in model.model_fields.items() if _holds_checked(f.annotation, seen)
    )


def _bad_typed(value: Any, now: datetime, depth: int = 0) -> tuple[list[str | int], str] | None:
    """The first typed int or datetime of a validated model that no column holds or no vendor
    sends, as (path, reversed, reason). Paths are built only on the way out of a bad value:
    this runs on every record."""
    if value is None:  # in a list or dict: not worth five isinstance checks
        return None
    if isinstance(value, datetime):
        # The record's own timestamps (created, updated, started: set by the vendor) must be
        # plausible; nested ones (Incident.io's custom timestamps, typed in by people, maybe
        # years back for a retrospective) only need to be a UTC instant a column can hold, which
        # only one within a day of datetime's ends can lack (_implausible_instant): the rest
        # answer here, without a call.
        if depth > 1 and 1 < value.year < 9999:
            return None
        reason = _implausible_instant(value, now, own=depth <= 1)
        return ([], reason) if reason else None
    if isinstance(value, int) and not isinstance(value, bool):
        if INT64_MIN <= value <= INT64_MAX:
            return None
        return [], "is an integer beyond the 64-bit range"
    if isinstance(value, BaseModel):
        fields = _CHECKED.get(type(value))
        if fields is None:
            fields = _CHECKED[type(value)] = _checked_fields(type(value))
        for name in fields:
            item = getattr(value, name)
            if item is None:  # no call for an unset optional field (0.1 us each, ~8 a record)
                continue
            found = _bad_typed(item, now, depth + 1)
            if found:
                found[0].append(name)
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _bad_typed(item, now, depth + 1)
            if found:
                found[0].append(index)
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _bad_typed(item, now, depth + 1)
            if found:
                found[0].append(key)
                return found
    return None


# _checked_fields by class, read with a plain dict lookup (functools.cache's wrapper costs more).
_CHECKED: dict[type[BaseModel], tuple[str, ...]] = {}


def _implausible_instant(value: datetime, now: datetime, own: bool) -> str | None:
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    # Only a value within a day of datetime's ends can lack a UTC instant (an offset is under
    # 24 h); every other one skips the conversion, which allocated a datetime per timestamp of
    # every record. Aware datetimes compare by their UTC instant, converted or not.
    if not 1 < value.year < 9999:
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            return f"is {value.isoformat()}, which is outside the range of a UTC timestamp"
    if not own:
        return None
    if moment < EARLIEST_PLAUSIBLE:
        return f"is {value.isoformat()}, before {EARLIEST_PLAUSIBLE.date()} (before the vendor existed)"
    if moment > now + FUTURE_TOLERANCE:
        return (
            f"is {value.isoformat()}, more than {_tolerance()} in the future; it would win "
            "every later version of the record"
        )
    return None


def implausible_value(model: BaseModel, now: datetime) -> tuple[str, str] | None:
    """(field, reason) of the first typed value that no column holds or no vendor sends: an
    integer beyond 64 bits, a timestamp with no UTC instant, or one of the record's own
    timestamps before EARLIEST_PLAUSIBLE or more than FUTURE_TOLERANCE ahead of `now` (such an
    `updated_at` would win the merge's version guard against every later real version)."""
    found = _bad_typed(model, now)
    if found is None:
        return None
    parts, reason = found
    return _path(parts[::-1]), reason


def reference_now(sources: SourcesResource) -> datetime:
    """ "Now" for the future horizon: the real time, or the simulators' frozen clock when a run
    replays them at a fixed instant (their data is then "now" there, not in our future)."""
    if sources.simulated and sources.simulator_frozen_at:
        frozen = datetime.fromisoformat(sources.simulator_frozen_at)
        return frozen if frozen.tzinfo else frozen.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _tolerance() -> str:
    hours = FUTURE_TOLERANCE.total_seconds() / 3600
    return f"{hours:g} h"


def storable_payload(record: Any) -> str:
    """A rejected record as JSON text any warehouse accepts: lone surrogates written out as
    text, non-finite numbers as strings, anything nested beyond MAX_DEPTH cut."""

    def clean(value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH or (isinstance(value, str) and value == TOO_DEEP):
            return f"<nested deeper than {MAX_DEPTH} levels>"
        if isinstance(value, str):
            return printable(value)
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        if isinstance(value, dict):
            return {printable(str(k)): clean(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v, depth + 1) for v in value]
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value if value is None or isinstance(value, bool | int) else str(value)

    return json.dumps(clean(record, 0), separators=(",", ":"))


def row_problem(row: dict[str, Any], columns: tuple[Column, ...]) -> tuple[str, str] | None:
    """(column, reason) when a row's value does not fit its column's type. The last guard before
    staging, for values built from several records (a day's token sum beyond BIGINT)."""
    for column in columns:
        value = row.get(column.name)
        if value is None:
            continue
        if column.type == "bigint" and isinstance(value, int) and not isinstance(value, bool):
            if not INT64_MIN <= value <= INT64_MAX:
                return column.name, "is an integer beyond the 64-bit range of BIGINT"
        elif column.type in ("varchar", "json") and isinstance(value, str):
            # isascii() reads a flag CPython keeps on every str: an ASCII text (every payload
            # json_fast or the stdlib wrote) holds no surrogate, and skips a 6 kB regex scan.
            if not value.isascii() and _SURROGATE.search(value):
                return column.name, "holds a lone UTF-16 surrogate (not valid Unicode)"
        elif column.type == "double" and isinstance(value, float) and not math.isfinite(value):
            return column.name, f"is {value!r}, not a finite number"
        elif column.type == "timestamp" and isinstance(value, datetime) and value.tzinfo:
            # Only a value within a day of datetime's ends can lack a UTC instant (an offset is
            # under 24 h): every other one skips the conversion (0.25 us, 6 columns an incident).
            if 1 < value.year < 9999:
                continue
            try:
                value.astimezone(UTC)
            except OverflowError:
                return column.name, f"is {value.isoformat()}, outside the range of a UTC timestamp"
    return None


def loads_bounded(text: str | bytes) -> Any:
    """`json.loads`, except that a body nested beyond the parser's recursion limit parses with
    every value deeper than MAX_DEPTH replaced by TOO_DEEP (so only its record is rejected),
    instead of failing the page with a RecursionError. Parsed by json_fast where it can (the
    same values, several times faster), by the stdlib otherwise."""
    fast = json_fast.loads(text)
    if fast is not None:
        return fast
    if isinstance(text, bytes):
        text = decoded(text)
    try:
        return json.loads(text)
    except RecursionError:
        return json.loads(_cap_depth(text, MAX_DEPTH))


def decoded(body: bytes) -> str:
    """A body as `json.loads` decodes bytes (UTF-8, -16 or -32 by its first bytes, surrogates
    passed through), except that bytes no UTF decodes become lone surrogates (U+DC80-U+DCFF)
    instead of failing the page: a vendor's one mis-encoded name then rejects its own record
    (`_walk`), not the partition. Outside a string they still leave a body that is not JSON."""
    encoding = json.detect_encoding(body)
    try:
        return body.decode(encoding, "surrogatepass")
    except UnicodeDecodeError:
        return body.decode(encoding, "surrogateescape")


def _cap_depth(text: str, limit: int) -> str:
    """`text` with every array or object that opens deeper than `limit` replaced by TOO_DEEP."""
    out: list[str] = []
    depth = 0
    in_string = False
    escaped_until = -1
    copied = 0  # text[copied:] is not yet in `out`
    cut_from: int | None = None  # start of the subtree being cut
    for match in _STRUCTURE.finditer(text):
        pos = match.start()
        if pos <= escaped_until:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                escaped_until = pos + 1
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == limit + 1 and cut_from is None:
                cut_from = pos
        elif char in "]}":
            depth -= 1
            if depth == limit and cut_from is not None:
                out.append(text[copied:cut_from])
                out.append(json.dumps(TOO_DEEP))
                copied = pos + 1
                cut_from = None
    out.append(text[copied:])
    return "".join(out)
