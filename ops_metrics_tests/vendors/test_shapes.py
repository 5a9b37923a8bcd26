from ops_metrics_tests.vendors.shapes import mismatches

DOCUMENTED = {"data": [{"email": "a@x.io", "date": 1710720000000, "spend": 1.5}], "next": None}


def test_same_shape_with_other_values_matches():
    served = {"data": [{"email": "b@x.io", "date": 1, "spend": 2}], "next": "abc"}
    assert mismatches(served, DOCUMENTED) == []


def test_invented_missing_and_retyped_fields_are_each_named():
    served = {"data": [{"userId": "u1", "date": "2024-03-18", "spend": 1.0}], "next": None}
    assert mismatches(served, DOCUMENTED) == [
        "$.data[].userId: served but not documented",
        "$.data[].email: documented but not served",
        "$.data[].date: served string, documented integer",
    ]


def test_documented_optional_keys_may_be_absent():
    served = {"data": [{"date": 1, "spend": 1.0}], "next": None}
    assert mismatches(served, DOCUMENTED, optional=frozenset({"$.data[].email"})) == []
