"""The fast JSON road gives the stdlib's answer or none: a stored `payload` stays byte for byte
`json.dumps(record, separators=(",", ":"))` (the merge compares its text), and a page parses to
the values `json.loads` gives (or falls back to it)."""

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ops_metrics.ingestion.json_fast import compact, loads
from ops_metrics.ingestion.values import record_json

COMPACT = {"separators": (",", ":")}
# Every code point, lone surrogates included (the stdlib writes them as `\udXXX`).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
FLOATS = st.floats() | st.sampled_from(
    [1e16, 1e-7, -0.0, 0.0, 1e-5, 1e-4, 5e-324, 1e22, 1.7976931348623157e308, 123456789.125]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: 10**30 is valid JSON
    | st.integers(min_value=2**63 - 2, max_value=2**64 + 2)
    | FLOATS
    | ANY_TEXT
    | st.text(alphabet='ab"\\/\x00\x1f\x7f\u2028é😀:,[]1.5e', max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=600)
@given(JSON)
@example({"a": 1e16, "b": 1e-7, "c": -0.0, "d": 10**30, "e": "é😀\u2028", "f": "\ud800"})
@example({"x": "t:0.00001,", "y": [float("nan"), float("inf")]})
def test_compact_is_the_stdlib_text_or_nothing(value):
    text = compact(value)
    if text is not None:
        assert text == json.dumps(value, **COMPACT)


@given(JSON.filter(lambda v: isinstance(v, dict)))
def test_record_json_writes_exactly_what_it_wrote_before(record):
    # Before issue 19 the payload was this text whenever the record was storable.
    text, problem = record_json(record)
    try:
        expected = json.dumps(record, allow_nan=False, **COMPACT)
    except ValueError:
        assert problem is not None  # NaN or Infinity: rejected, as before
        return
    if problem is None:
        assert text == expected


def test_the_fast_road_is_taken_for_ordinary_payloads():
    # A test that fails if every record quietly fell back to json.dumps (no speed-up at all).
    record = {
        "id": "01HX",
        "name": "Café outage 😀 at 99.9%",
        "workload_minutes_total": 12.5,
        "count": 3,
        "nested": [{"a": None, "b": True, "c": 'line\nbreak "quoted" \\ /'}],
    }
    assert compact(record) == json.dumps(record, **COMPACT)


@settings(max_examples=400)
@given(JSON, st.booleans(), st.sampled_from([None, 1]))
def test_loads_gives_the_stdlib_values_or_nothing(value, ascii_only, indent):
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    for content in (text, text.encode("utf-8", "surrogatepass")):
        parsed = loads(content)
        if parsed is not None:
            # Compared as the stdlib writes them: -0.0 vs 0.0, 1 vs 1.0 and True vs 1 differ.
            assert json.dumps(parsed) == json.dumps(json.loads(content))


@given(
    st.sampled_from(
        [
            b'"\xff"',  # invalid UTF-8
            b'"\xed\xa0\x80"',  # an encoded surrogate (the stdlib reads it)
            b"\xef\xbb\xbf{}",  # a BOM (the stdlib reads it)
            b"[" * 300 + b"]" * 300,  # deeper than pydantic-core goes
            b"{} x",
            b'"a\nb"',
            b"1" * 5000,
            b"NaN",
            b"-Infinity",
            b"1e400",
            b"123456789012345678901234567890",
            b'{"a":1,"a":2}',
        ]
    )
)
def test_loads_on_edge_documents_agrees_with_the_stdlib_or_defers(content):
    try:
        expected = json.dumps(json.loads(content))
    except (ValueError, RecursionError):
        assert loads(content) is None  # the caller's stdlib parse raises as it always did
        return
    parsed = loads(content)
    assert parsed is None or json.dumps(parsed) == expected


def test_every_float_exponent_is_the_stdlib_text_or_nothing():
    # compact searches only `e-` (not `e+`): pydantic-core writes every positive exponent as
    # repr does, so those floats stay on the fast road, and must be the stdlib's text.
    for exponent in range(-325, 309):
        for mantissa in (1.0, 1.5, 9.999999999999999, -2.5):
            value = {"x": mantissa * 10.0**exponent}
            text = compact(value)
            if text is not None:
                assert text == json.dumps(value, **COMPACT)
            elif exponent >= 0 and abs(value["x"]) < float("inf"):
                raise AssertionError(f"{value!r} left the fast road")


def test_record_json_still_checks_escaped_surrogates_and_depth_markers():
    # The cheap pre-checks (a backslash, then `\ud`) must not skip what the full scan found.
    assert record_json({"a": "\ud800"})[1] is not None
    assert record_json({"a": "\ud83d\ude00"})[1] is None
    assert record_json({"a": "\\ud800 as text"})[1] is None
    deep: object = 1
    for _ in range(70):
        deep = [deep]
    assert record_json({"a": deep, "b": "ops_metrics:nested-too-deep"})[1] is not None
    assert record_json({"a": deep, "b": "\\ud800"})[1] is not None
