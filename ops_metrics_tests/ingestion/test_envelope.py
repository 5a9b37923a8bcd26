import pytest

from ops_metrics.ingestion.envelope import EnvelopeError, envelope


def _env(body):
    return envelope(body, source="cursor", endpoint="/teams/daily-usage-data")


def test_reads_documented_keys_and_dotted_paths():
    env = _env({"data": [{"email": "a@x.io"}], "pagination": {"hasNextPage": False}})
    assert env.require("data", list) == [{"email": "a@x.io"}]
    assert env.require("pagination.hasNextPage", bool) is False
    assert env.optional("period.startDate", int, default=0) == 0


@pytest.mark.parametrize(
    ("body", "key", "expected", "says"),
    [
        ({"incidents": None}, "data", list, "'data' is missing"),
        ({"data": None}, "data", list, "'data' is null, expected list"),
        ("abc", "data", list, "'data' cannot be read: the body is str"),
        ({"data": {"x": 1}}, "data", list, "'data' is dict, expected list"),
        ({"pagination": []}, "pagination.hasNextPage", bool, "the body"),
        ({"pagination": {"total": True}}, "pagination.total", int, "is bool, expected int"),
    ],
)
def test_wrong_shapes_name_source_endpoint_and_key(body, key, expected, says):
    with pytest.raises(EnvelopeError) as raised:
        _env(body).require(key, expected)
    message = str(raised.value)
    assert message.startswith("cursor: /teams/daily-usage-data answered an unexpected shape")
    assert says in message or (says == "the body" and "pagination is list" in message)


def test_optional_key_of_the_wrong_type_still_fails():
    with pytest.raises(EnvelopeError, match="'next_page' is int, expected str"):
        _env({"next_page": 3}).optional("next_page", str)
