"""The per-record value checks: what no warehouse column holds is found and named, and a body
nested beyond the parser's reach parses with only the over-deep part cut."""

import json
import math
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ops_metrics.ingestion.values import (
    MAX_DEPTH,
    TOO_DEEP,
    _cap_depth,
    loads_bounded,
    storable_payload,
    unstorable,
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    # Mostly the characters that matter to the scanner: quotes, brackets, backslashes.
    | st.text(alphabet='ab"[]{}\\ é😀', max_size=12)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def cut(value, limit, depth=0):
    """What the depth cap should leave: containers opening deeper than `limit` become TOO_DEEP."""
    if isinstance(value, list | dict) and depth + 1 > limit:
        return TOO_DEEP
    if isinstance(value, list):
        return [cut(v, limit, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: cut(v, limit, depth + 1) for k, v in value.items()}
    return value


@given(JSON, st.integers(min_value=1, max_value=4))
def test_the_depth_cap_cuts_exactly_the_over_deep_containers(value, limit):
    # Strings with brackets, quotes and escapes, raw or \u-escaped, must not move the count.
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert json.loads(_cap_depth(text, limit)) == cut(value, limit)


def test_only_the_over_deep_subtree_is_cut_and_strings_with_brackets_survive():
    tricky = 'say "[ and a "quoted" [bracket] {brace} \\ backslash'
    deep = "[" * 10_000 + "]" * 10_000
    s = json.dumps(tricky)
    body = f'{{"data": [{{"id": "1", "s": {s}, "x": {deep}}}, {{"id": "2", "s": {s}}}]}}'
    parsed = loads_bounded(body.encode())
    first, second = parsed["data"]
    assert first["s"] == second["s"] == tricky
    assert second == {"id": "2", "s": tricky}
    cut = first["x"]
    depth = 3  # body, data list, record
    while isinstance(cut, list):
        [cut] = cut
        depth += 1
    assert cut == TOO_DEEP and depth == MAX_DEPTH
    path, reason = unstorable(first)
    assert path.startswith("x.0.0") and reason == f"is nested deeper than {MAX_DEPTH} levels"
    assert unstorable(second) is None


def test_unstorable_values_are_named_by_path():
    assert unstorable({"a": [1, {"b": "x\ud800"}]}) == (
        "a.1.b",
        "holds a lone UTF-16 surrogate or bytes that are not UTF-8 (not valid Unicode)",
    )
    assert unstorable({"k\udc00": 1})[1] == "has a key with a lone UTF-16 surrogate"
    assert unstorable({"a": math.inf}) == ("a", "is inf, not a finite number")
    # Valid JSON any warehouse stores as JSON text: only a typed BIGINT refuses it.
    assert unstorable({"a": 10**30, "emoji": "\U0001f600", "s": "1234567890123456789012"}) is None


def test_a_rejected_record_becomes_storable_json():
    record = {"a": "x\ud800", "n": math.nan, "t": datetime(2026, 1, 5, tzinfo=UTC), "big": 10**30}
    text = storable_payload(record)
    text.encode("utf-8")  # no lone surrogate left
    assert json.loads(text) == {
        "a": "x\\ud800",
        "n": "nan",
        "t": "2026-01-05T00:00:00+00:00",
        "big": 10**30,
    }
