"""Every adapter parses its vendor's documented examples into the values they must give.

The adapter runs as in live mode (its own requests, paging and auth), against the
documented-examples server, which answers only from the fixture files; each fixture with an
`expect` names the rows that must come out (identity, tokens, cost, day). Generic over the
fixture folders: a tool's examples are checked as soon as its folder has them.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ops_metrics.ai_tools.adapter import load_adapter
from ops_metrics.incident_io.assets import OVERLAP
from ops_metrics.incident_io.extractor import IncidentExtractor
from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_row
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import INCIDENT_IO_BASE_URL, TOOLS, Tool, Workspace
from ops_metrics.sources import SourcesResource
from ops_metrics_tests.vendors import docs_server
from ops_metrics_tests.vendors._examples import (
    FIXTURES,
    INCIDENT_IO,
    assert_rows,
    fixture_id,
    live_env,
    read,
    tool_or_workspace,
    usage_dicts,
    with_expect,
)
from ops_metrics_tests.vendors.docs_server import Fixture

LIVE = SourcesResource(mode="live", retry_max_attempts=1, timeout_seconds=10)


def test_every_source_has_an_example_to_check() -> None:
    assert {f.source for f in with_expect()} == {t.name for t in TOOLS} | {INCIDENT_IO}


@pytest.mark.parametrize("fixture", with_expect(), ids=fixture_id)
def test_the_adapter_loads_the_documented_example(
    fixture: Fixture, server: docs_server.DocsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in live_env(fixture, server.url).items():
        monkeypatch.setenv(name, value)
    source = tool_or_workspace(fixture)
    with server.examples.preferring(fixture):
        if fixture.source == INCIDENT_IO:
            assert isinstance(source, Workspace)
            rows, transformer = _incidents(source, fixture)
            assert_rows(fixture, rows, "id")
        else:
            assert isinstance(source, Tool)
            day = date.fromisoformat(fixture.data["expect"]["day"])
            usage, transformer = read(source, day, client=_client(source), sources=LIVE)
            assert_rows(fixture, usage_dicts(usage), "engineer_identifier")
    assert not transformer.rejects, transformer.rejects
    # Every field the vendor documents is declared by our model (new ones would be drift).
    assert not transformer.finish().new_fields, dict(transformer.drift.new_fields)


def redated() -> list[Fixture]:
    return [f for f in FIXTURES if "redated" in f.data]


# What a re-dated copy may say in its own words: the rest is its original's, field for field.
OWN_WORDS = ("notes", "follows", "redated")


@pytest.mark.parametrize("copy", redated(), ids=fixture_id)
def test_a_redated_copy_is_its_original_but_for_the_dates_it_declares(copy: Fixture) -> None:
    """A copy re-dated into the vendor's window (fixtures/vendors/README.md, `redated`) differs
    from the published example it copies only by its declared replacements, each of which
    changes something: it cannot quietly drift from what the vendor published."""
    original = copy.path.with_name(copy.data["redated"]["from"])
    text = original.read_text()
    for old, new in copy.data["redated"]["replace"].items():
        assert old in text, f"{fixture_id(copy)}: {old!r} is not in {original.name}"
        text = text.replace(old, new)
    expected = {k: v for k, v in json.loads(text).items() if k not in OWN_WORDS}
    assert {k: v for k, v in copy.data.items() if k not in OWN_WORDS} == expected
    if "follows" in copy.data:
        # It continues the copy of what its original continues.
        follows = json.loads(original.read_text())["follows"]
        assert (
            json.loads(copy.path.with_name(copy.data["follows"]).read_text())["redated"]["from"]
            == follows
        )


def _client(tool: Tool) -> httpx.Client:
    """The adapter's own client, as in live mode: its base URL, auth and paging."""
    return load_adapter(tool).client(tool, LIVE)


def _incidents(workspace: Workspace, fixture: Fixture) -> tuple[list[dict], DataTransformer]:
    """The partition's window as the asset fetches it (a fresh load: the partition plus the
    overlap), through the extractor, the transformer and the row mapping."""
    start = datetime.strptime(fixture.data["expect"]["partition"], "%Y-%m-%d-%H:%M")
    start = start.replace(tzinfo=UTC)
    window = Window(start - OVERLAP, start + timedelta(hours=1))
    client = LIVE.client(
        workspace.base_url_env,
        INCIDENT_IO_BASE_URL,
        headers={"Authorization": "Bearer documented-example-key"},
    )
    extractor = IncidentExtractor(
        f"incident_io/{workspace.name}", client, RetryPolicy(max_attempts=1)
    )
    transformer = DataTransformer(extractor.source, Incident)
    rows = []
    with client:
        for page in extractor.pages(window):
            for record in page:
                incident = transformer.validate(record)
                if incident is not None:
                    rows.append(incident_row(workspace, incident, record))
    return rows, transformer


@pytest.mark.parametrize(
    ("name", "endpoint", "key"),
    [
        ("claude_code", "/v1/organizations/usage_report/claude_code", "data"),
        ("openai", "/v1/organization/usage/completions", "data"),
        ("chat_assistant", "/api/v1/usage/sessions", "items"),
    ],
)
def test_an_undocumented_envelope_fails_naming_tool_endpoint_and_key(
    name: str, endpoint: str, key: str
) -> None:
    """A body without the documented envelope is not data: an EnvelopeError naming the tool, the
    endpoint and the key, never a bare KeyError (and never a silent empty day)."""

    def vendor(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": [], "has_more": False})

    tool = next(t for t in TOOLS if t.name == name)
    client = httpx.Client(transport=httpx.MockTransport(vendor), base_url="http://vendor")
    extractor = APIExtractor(f"ai_tools/{name}", client, RetryPolicy(max_attempts=1))
    with pytest.raises(EnvelopeError) as raised:
        list(load_adapter(tool).fetch_day(extractor, date(2025, 11, 1)))
    message = str(raised.value)
    assert f"ai_tools/{name}" in message and endpoint in message and repr(key) in message


def test_the_documented_examples_server_shares_no_code_with_what_it_checks() -> None:
    tree = ast.parse(Path(docs_server.__file__).read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert not {m for m in imported if m.startswith("ops_metrics")}, imported
