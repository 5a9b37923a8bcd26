"""JSON parse and compact serialisation in Rust (pydantic-core), exactly as the stdlib does them.

Parsing each page with `json.loads` and writing each record back with `json.dumps` into the raw
tables' `payload` column were two of the largest per-row costs of a load (docs/benchmarks.md,
issue 19). pydantic-core's `from_json` and `to_json` do the same work several times faster, but
they are not the stdlib: a lone surrogate escape fails to parse, non-ASCII text is written as
UTF-8, `1e-05` is written `0.00001`. The merge compares `payload` text to detect changes, so a
stored payload must stay byte for byte what `json.dumps(record, separators=(",", ":"))` writes.

Hence both functions here take the fast road only where its result is provably the stdlib's,
and answer None otherwise, for the caller to take the stdlib's road (the one every edge case of
ingestion/values.py was built on). Property tests: ops_metrics_tests/ingestion/test_json_fast.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pydantic_core

# Where pydantic-core's float text can differ from Python's repr (the stdlib's): NaN and
# Infinity, and small magnitudes, which it writes `0.00001` (repr: `1e-05`) or `1e-7` (repr:
# `1e-07`); every other float it writes as repr does, positive exponents included (`1e+16`,
# `1e+300`: a sweep of every exponent and 500,000 random doubles, and the property tests). Hence
# only `e-` is searched for, not `e+`. Cheap searches for those shapes; only a text that has one
# gets the exact check below. Each is a compiled literal pattern: sre's literal search is about
# twice as fast as `bytes in` on these short needles (a 5.8 kB incident: `NaN` 1.5 us vs 3.1,
# `e-\d` 1.8 us vs `e[-+]\d` 3.4; the four searches 10.1 us -> 6.8 us).
_NEGATIVE_EXPONENT = re.compile(rb"e-\d").search
_NAN = re.compile(rb"NaN").search
_INFINITY = re.compile(rb"Infinity").search
_SMALL = re.compile(rb"0\.0000").search
# The exact check: every number outside a string follows `:`, `[` or `,` and is followed by `,`,
# `]` or `}` (or is the whole text); integers are written alike, floats (a `.` or an exponent),
# NaN and Infinity are compared to their repr. Inside a string this can match text such as
# `"x:1e-5,"`: the record then merely takes the stdlib's road.
_FLOAT = re.compile(
    r"(?<![^:,\[])(-?(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|Infinity)|NaN)(?![^,\]}])"
)
# What the stdlib escapes beyond what both escape alike (quotes, backslashes, controls): DEL and
# every non-ASCII character, which pydantic-core writes raw (only ever inside strings).
_RAW = re.compile(r"[^\x00-\x7e]+")
# json's C escaper of a whole string (quotes included): `\uXXXX`, surrogate pairs for astral.
_escape_ascii = json.encoder.encode_basestring_ascii


def loads(content: bytes | str) -> Any | None:
    """The parsed value, equal to `json.loads(content)`'s, or None where pydantic-core's parser
    refuses the text (it refuses lone surrogate escapes, a BOM, invalid UTF-8, nesting beyond
    200 levels and every invalid document): the caller then parses with the stdlib, which
    accepts or rejects it as it always did."""
    try:
        return pydantic_core.from_json(content)
    except (ValueError, TypeError):  # TypeError: a str holding a lone surrogate
        return None


def compact(value: Any) -> str | None:
    """For a value of JSON's types (as a parser returns it: dict, list, str, int, float, bool,
    None), `json.dumps(value, separators=(",", ":"))` (ASCII, escapes as the stdlib writes them), or
    None when the fast serialiser's text could differ from it: a float written otherwise, NaN or
    Infinity, a lone surrogate, a value it cannot write."""
    try:
        # NaN and Infinity as constants, not null: so that the float check below sees them.
        raw = pydantic_core.to_json(value, inf_nan_mode="constants")
    except (pydantic_core.PydanticSerializationError, ValueError, RecursionError):
        return None
    if raw.isascii() and b"\x7f" not in raw:
        text = raw.decode("ascii")
    else:
        text = _RAW.sub(_escape_run, raw.decode("utf-8"))
    if _NEGATIVE_EXPONENT(raw) or _NAN(raw) or _INFINITY(raw) or _SMALL(raw):
        for match in _FLOAT.finditer(text):
            token = match.group()
            if repr(float(token)) != token:  # NaN and Infinity too: repr writes `nan`, `inf`
                return None
    return text


def _escape_run(match: re.Match[str]) -> str:
    return _escape_ascii(match.group())[1:-1]
