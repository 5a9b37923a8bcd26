"""DataTransformer: coercion, drift, and errors that name the record and the field."""

from typing import ClassVar

import pytest
from pydantic import AwareDatetime, BaseModel, ConfigDict

from ops_metrics.ingestion.errors import SchemaValidationError
from ops_metrics.ingestion.transformer import DataTransformer


class Thing(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    count: int
    created_at: AwareDatetime
    note: str | None = None


GOOD = {"id": "t1", "count": "3", "created_at": "2026-01-05T10:00:00+02:00", "note": "x"}


def test_types_are_coerced():
    thing = DataTransformer("src", Thing).validate(GOOD)
    assert thing.count == 3 and thing.created_at.utcoffset().total_seconds() == 7200


def test_a_null_required_field_names_the_record_and_the_field():
    with pytest.raises(SchemaValidationError) as err:
        DataTransformer("incident_io/companya", Thing).validate({**GOOD, "count": None})
    assert (err.value.record_id, err.value.field) == ("t1", "count")
    assert "incident_io/companya: record t1: field 'count' is required but NULL" in str(err.value)


def test_the_reject_policy_keeps_the_record_instead_of_failing():
    t = DataTransformer("src", Thing, policy="reject")
    assert t.validate({**GOOD, "id": "bad", "count": "many"}) is None
    assert t.validate(GOOD) is not None
    [reject] = t.rejects
    assert (reject.record_id, reject.field) == ("bad", "count") and '"many"' in reject.payload


class ThingWithExpectations(Thing):
    expected_fields: ClassVar[frozenset[str]] = frozenset({"id", "count", "created_at", "note"})


def test_new_and_vanished_fields_are_reported_as_drift():
    t = DataTransformer("src", ThingWithExpectations)
    record = {k: v for k, v in GOOD.items() if k != "note"}
    t.validate({**record, "brand_new": 1})
    t.validate({**record, "brand_new": 2})
    drift = t.finish()
    assert drift.new_fields == {"brand_new": 2}
    assert drift.vanished_fields == ["note"]
