"""`affected_services` is written without json.dumps (rows.py builds the text directly, for
speed): it must stay exactly the text json.dumps wrote before, for every name a catalog holds."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ops_metrics.incident_io.models import CatalogEntry
from ops_metrics.incident_io.rows import _services_json

# Every code point, lone surrogates, quotes, backslashes and controls included.
TEXT = st.text(st.characters(exclude_categories=()), max_size=12)


@given(st.lists(st.tuples(TEXT, st.none() | TEXT, st.none() | TEXT), max_size=4))
def test_services_text_is_what_json_dumps_wrote(entries):
    models = [CatalogEntry(id=i, name=n, external_id=x) for i, n, x in entries]
    expected = json.dumps([{"id": i, "name": n, "external_id": x} for i, n, x in entries])
    assert _services_json(models) == expected
