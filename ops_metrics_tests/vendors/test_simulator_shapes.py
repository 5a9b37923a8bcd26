"""Our simulators serve what the vendors document: same field names, types, envelope and paging.

For every fixture file under ops_metrics_tests/fixtures/vendors/<source>/ (whatever exists, so
each tool is held as soon as its examples are added), the fixture's request goes to our simulator
in-process, authenticated as the source's adapter authenticates, and what comes back must have
the documented example's shape (`mismatches` in shapes.py), and every list the example fills
must come back non-empty (a shape check of nothing proves nothing).

A fixture's `shape` hints (fixtures/vendors/README.md) say what one example cannot: `optional`
paths a served document may lack, `numbers` the vendor documents as numbers though the example
shows a whole value, `also_documented` paths its schema documents that the example lacks, and
`maps` (objects keyed by data, such as model ids, compared as lists of their values), and
`simulator_query` / `simulator_body` / `simulator_path` values that replace the request's where
the simulator's data set does not reach (a day before it starts, the example's own org). A
fixture that `follows` another (its request carries the vendor's own opaque cursor or link) is
left to the documented-examples server, and so is a `redated` copy of another fixture (its shape
is its original's, replayed here; test_documented_examples.py holds the copy to it). A
form-encoded request (`request.form`: an OAuth2 token) carries the simulator's client credentials
in place of the example's placeholders.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ops_metrics.ai_tools.adapter import load_adapter
from ops_metrics.registry import INCIDENT_IO_BASE_URL, TOOLS, WORKSPACES
from ops_metrics.simulators.credentials import AMP_CLIENT_ID, AMP_CLIENT_SECRET, INCIDENT_IO_KEYS
from ops_metrics.sources import SIMULATOR_BASE_URL, SourcesResource
from ops_metrics_tests.conftest import FROZEN_AT
from ops_metrics_tests.vendors._examples import FIXTURES, INCIDENT_IO, fixture_id
from ops_metrics_tests.vendors.docs_server import Fixture
from ops_metrics_tests.vendors.shapes import mismatches

SIMULATED = SourcesResource(mode="simulated", simulator_frozen_at=FROZEN_AT)
# What a client-credentials token request carries, per tool, on our simulator.
CLIENT_CREDENTIALS = {"amp": {"client_id": AMP_CLIENT_ID, "client_secret": AMP_CLIENT_SECRET}}


def replayable() -> list[Fixture]:
    return [f for f in FIXTURES if "follows" not in f.data and "redated" not in f.data]


def simulator_client(source: str) -> httpx.Client:
    """A client on the in-process simulator with the source's own auth (the adapter's client)."""
    if source == INCIDENT_IO:
        workspace = WORKSPACES[0]
        return SIMULATED.client(
            workspace.base_url_env,
            INCIDENT_IO_BASE_URL,
            headers={"Authorization": f"Bearer {INCIDENT_IO_KEYS[workspace.name]}"},
        )
    tool = next(t for t in TOOLS if t.name == source)
    client = load_adapter(tool).client(tool, SIMULATED)
    # Fixture paths are from the host's root; an adapter's base URL may carry more (Copilot's org).
    client.base_url = httpx.URL(SIMULATOR_BASE_URL)
    return client


def documents(fixture: Fixture, response: httpx.Response) -> tuple[Any, Any]:
    """(served, documented): JSON bodies, or NDJSON/CSV-free text as a list of JSON lines."""
    documented = fixture.response
    if "text" in documented:

        def lines(text: str) -> list[Any]:
            return [json.loads(line) for line in text.splitlines() if line.strip()]

        return lines(response.text), lines(documented["text"])
    return response.json(), documented.get("body")


def _at(document: Any, path: str, change: Callable[[dict[str, Any], str], None]) -> None:
    """Apply `change(parent, key)` at every place `path` ("$.data[].amount") names."""
    parts = path.removeprefix("$.").split(".")

    def walk(node: Any, rest: list[str]) -> None:
        if not rest:
            return
        part, many = rest[0].removesuffix("[]"), rest[0].endswith("[]")
        if not isinstance(node, dict):
            return
        if len(rest) == 1 and not many:
            change(node, part)
            return
        child = node.get(part)
        for item in (child or []) if many else [child]:
            walk(item, rest[1:])

    walk(document, parts)


def documented_with_hints(documented: Any, hints: dict[str, Any]) -> Any:
    """The example as the vendor's schema documents it: `numbers` as floats, `also_documented`
    keys present as null (null matches any served type)."""
    out = copy.deepcopy(documented)

    def as_number(parent: dict[str, Any], key: str) -> None:
        if isinstance(parent.get(key), int) and not isinstance(parent[key], bool):
            parent[key] = float(parent[key])

    def add_null(parent: dict[str, Any], key: str) -> None:
        parent.setdefault(key, None)

    for path in hints.get("numbers", []):
        _at(out, path, as_number)
    for path in hints.get("also_documented", []):
        _at(out, path, add_null)
    return as_lists(out, hints)


def as_lists(document: Any, hints: dict[str, Any]) -> Any:
    """`maps` (objects keyed by data: model ids) as lists of their values, so each entry is held
    to the documented entries' shape and the keys a day happens to use do not count as fields."""

    def values(parent: dict[str, Any], key: str) -> None:
        if isinstance(parent.get(key), dict):
            parent[key] = list(parent[key].values())

    for path in hints.get("maps", []):
        _at(document, path, values)
    return document


def empty_where_documented(served: Any, documented: Any) -> list[str]:
    """The record lists the example fills that the simulator served empty: the body's lists
    (`data`, `incidents`) and the lists inside their records (`data[].results`). A shape check
    of an empty list proves nothing, so the request must reach data (see `simulator_query`)."""
    if not isinstance(documented, dict) or not isinstance(served, dict):
        return []
    out = []
    for key, listed in documented.items():
        if not (isinstance(listed, list) and listed and isinstance(served.get(key), list)):
            continue
        if not served[key]:
            out.append(f"$.{key}")
            continue
        first, example = served[key][0], listed[0]
        if isinstance(first, dict) and isinstance(example, dict):
            out += [
                f"$.{key}[].{inner}"
                for inner, value in example.items()
                if isinstance(value, list) and value and first.get(inner) == []
            ]
    return out


def test_every_source_has_examples_to_replay() -> None:
    assert {f.source for f in replayable()} == {t.name for t in TOOLS} | {INCIDENT_IO}


@pytest.mark.parametrize("fixture", replayable(), ids=fixture_id)
def test_the_simulator_serves_the_documented_shape(fixture: Fixture) -> None:
    request = fixture.request
    hints = fixture.data.get("shape", {})
    query = {**(request.get("query") or {}), **hints.get("simulator_query", {})}
    path = hints.get("simulator_path", request["path"])
    body = request.get("body")
    if body is not None or "simulator_body" in hints:
        body = {**(body or {}), **hints.get("simulator_body", {})}
    if "form" in request:
        # A token request authenticates by its form, not by the client's auth.
        form = {**request["form"], **CLIENT_CREDENTIALS.get(fixture.source, {})}
        # tool_client registers the tool's simulator, as the adapter's client does; the bare
        # client found the route only when an earlier test had registered it.
        tool = next(t for t in TOOLS if t.name == fixture.source)
        client = SIMULATED.tool_client(tool)
        client.base_url = httpx.URL(SIMULATOR_BASE_URL)
        with client:
            response = client.request(request["method"], path, params=query or None, data=form)
    else:
        with simulator_client(fixture.source) as client:
            response = client.request(request["method"], path, params=query or None, json=body)
    status = fixture.response.get("status", 200)
    assert response.status_code == status, response.text[:300]
    served, documented = documents(fixture, response)
    served, documented = as_lists(served, hints), documented_with_hints(documented, hints)
    optional = frozenset(hints.get("optional", []) + hints.get("also_documented", []))
    problems = mismatches(served, documented, optional=optional)
    assert not problems, f"{fixture_id(fixture)} ({fixture.data['source']}): " + "; ".join(problems)
    empty = empty_where_documented(served, documented)
    assert not empty, f"{fixture_id(fixture)}: the simulator served nothing at {empty}"
