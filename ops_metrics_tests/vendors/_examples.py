"""What the vendor-example tests share: which fixtures exist, the documented examples as an
in-memory httpx transport and one tool-day read through an adapter against them, the live-mode
environment that points a source at the documented-examples server, and how a loaded row is held
to `expect`. Loading and matching the fixtures is docs_server.py's, here and over HTTP alike."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ops_metrics.ai_tools.adapter import load_adapter, read_day
from ops_metrics.ai_tools.identity import DIRECTORY_PATH, DIRECTORY_URL_ENV
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import TOOLS, WORKSPACES, Tool, Workspace
from ops_metrics.sources import SourcesResource
from ops_metrics_tests.vendors.docs_server import DocumentedExamples, Fixture, load_fixtures

FIXTURES = load_fixtures()
INCIDENT_IO = "incident_io"
DOCUMENTED_KEY = "documented-example-key"  # the docs server does not check credentials
AMP_TOKEN_URL_ENV = "AI_TOOLS_AMP_TOKEN_URL"
COPILOT_ORG_ENV = "AI_TOOLS_GITHUB_COPILOT_ORG"
BASE_URL = "https://vendor.example"  # the in-memory transport's host (it answers any host)


def fixture_id(fixture: Fixture) -> str:
    return f"{fixture.source}/{fixture.path.name}"


def examples(source: str) -> dict[str, Fixture]:
    """The source's documented examples by file name (without `.json`)."""
    return {f.name: f for f in FIXTURES if f.source == source}


def answering(source: str, method: str, path: str, body: Any) -> Fixture:
    """A made-up exchange (not a vendor's): `body` answered to any `method path` request, for
    tests of what an adapter does with an answer the vendor did not document."""
    data = {"request": {"method": method, "path": path}, "response": {"status": 200, "body": body}}
    return Fixture(Path(f"{source}/made-up.json"), source, data)


def transport(*served: Fixture) -> httpx.MockTransport:
    """The documented examples as an in-memory httpx transport, matched as the documented-examples
    server matches them (`{docs_server}` links point at BASE_URL)."""
    answers = DocumentedExamples(list(served))

    def answer(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode()
        content_type = request.headers.get("content-type", "")
        status, headers, payload = answers.answer(
            request.method, target, request.read(), BASE_URL, content_type
        )
        return httpx.Response(status, headers=headers, content=payload)

    return httpx.MockTransport(answer)


def read(
    tool: Tool,
    day: date,
    *served: Fixture,
    client: httpx.Client | None = None,
    directory: dict[str, str] | None = None,
    sources: SourcesResource | None = None,
) -> tuple[list[UsageRow], DataTransformer[Any]]:
    """One day of `tool` read as the asset reads it (adapter -> extractor -> transformer), from
    `client` or else from `served` over the in-memory transport. The directory is `directory`,
    else the adapter's own read through `sources`, else none."""
    adapter = load_adapter(tool)
    client = client or httpx.Client(base_url=BASE_URL, transport=transport(*served))
    extractor = APIExtractor(tool.name, client, retry=RetryPolicy(sleep=lambda _: None))
    transformer = DataTransformer(tool.name, adapter.record_model, adapter.id_field)
    with client:
        if directory is None:
            directory = adapter.directory(extractor, sources) if sources is not None else {}
        rows = read_day(adapter, tool, extractor, transformer, day, directory)
    return rows, transformer


def read_clean(tool: Tool, day: date, *served: Fixture, **options: Any) -> list[UsageRow]:
    """`read`, holding that nothing was rejected and that every documented field is declared by
    our record model (a field it lacks would be drift)."""
    rows, transformer = read(tool, day, *served, **options)
    assert not transformer.rejects, transformer.rejects
    drift = transformer.finish()
    assert not drift.new_fields, f"documented fields missing from the model: {drift.new_fields}"
    return rows


def assert_loads(tool: Tool, example: Fixture, *served: Fixture, **options: Any) -> None:
    """The example's `expect` comes out of `tool`'s adapter for its day (`read_clean`), served
    `served` (or through `options["client"]`)."""
    rows = read_clean(tool, date.fromisoformat(example.data["expect"]["day"]), *served, **options)
    assert_rows(example, usage_dicts(rows), "engineer_identifier")


def directory_fixture(fixtures: list[Fixture]) -> Fixture:
    """The company people directory (ours, not a vendor's: `GET /directory/v1/people`) that the
    examples' `expect.directory` entries assume: each identity linked under its tool's key."""
    people = []
    for fixture in fixtures:
        links = (fixture.expect or {}).get("directory", {})
        if fixture.source == INCIDENT_IO or not links:
            continue
        key = load_adapter(tool_or_workspace(fixture)).directory_key  # type: ignore[arg-type]
        people += [{"email": email, key: identity} for identity, email in links.items()]
    data = {
        "source": "ours: ops_metrics/ai_tools/identity.py (the company people directory)",
        "request": {"method": "GET", "path": DIRECTORY_PATH},
        "response": {"status": 200, "body": {"items": people, "total": len(people)}},
    }
    return Fixture(Path("directory/people.json"), "directory", data)


def with_expect() -> list[Fixture]:
    return [f for f in FIXTURES if "expect" in f.data]


def usage_dicts(rows: list[UsageRow]) -> list[dict[str, Any]]:
    return [r.model_dump() for r in rows]


def tool_or_workspace(fixture: Fixture) -> Tool | Workspace:
    if fixture.source == INCIDENT_IO:
        name = fixture.data["expect"].get("workspace", WORKSPACES[0].name)
        return next(w for w in WORKSPACES if w.name == name)
    return next(t for t in TOOLS if t.name == fixture.source)


def _mentioned_in_code(text: str) -> bool:
    package = Path(__file__).resolve().parents[2] / "ops_metrics"
    return any(text in path.read_text() for path in package.rglob("*.py"))


def live_env(fixture: Fixture, base_url: str) -> dict[str, str]:
    """The variables a live-mode run of the fixture's source needs, all pointing at `base_url`:
    mode, base URL, credentials, any `live_env` the source's fixtures declare (e.g. the Copilot
    organisation), and Amp's token endpoint. Skips Amp until that endpoint can be pointed
    elsewhere (AI_TOOLS_AMP_TOKEN_URL)."""
    source = tool_or_workspace(fixture)
    env = {"OPS_METRICS_SOURCES": "live", source.base_url_env: base_url}
    secrets = source.secret_envs if isinstance(source, Tool) else (source.api_key_env,)
    env.update(dict.fromkeys(secrets, DOCUMENTED_KEY))
    siblings = [f for f in FIXTURES if f.source == fixture.source]
    for sibling in siblings:
        env.update(sibling.data.get("live_env", {}))
    if fixture.source == "github_copilot" and COPILOT_ORG_ENV not in env:
        orgs = {
            f.request["path"].split("/")[2]
            for f in siblings
            if f.request["path"].startswith("/orgs/")
        }
        if len(orgs) == 1:
            env[COPILOT_ORG_ENV] = orgs.pop()
    if any("directory" in (f.expect or {}) for f in siblings):
        env[DIRECTORY_URL_ENV] = base_url  # served by directory_fixture
    if fixture.source == "amp":
        if not _mentioned_in_code(AMP_TOKEN_URL_ENV):
            pytest.skip(f"Amp's token endpoint is not overridable yet ({AMP_TOKEN_URL_ENV})")
        token = next(
            (f.request["path"] for f in siblings if "token" in f.request["path"]),
            "/oauth2/token",
        )
        env.setdefault(AMP_TOKEN_URL_ENV, base_url + token)
    return env


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Where a produced row differs from an expected one (only the keys `want` names)."""
    out = []
    for key, expected in want.items():
        actual = _plain(got.get(key))
        if isinstance(expected, float) and isinstance(actual, int | float):
            same = actual == pytest.approx(expected)
        else:
            same = actual == expected
        if not same:
            out.append(f"{key}: got {actual!r}, documented example says {expected!r}")
    return out


def assert_rows(fixture: Fixture, rows: list[dict[str, Any]], key: str) -> None:
    """`rows` are exactly the expected ones (by `key`), each with the expected values, and (for
    a tool) all of the expected day."""
    expect = fixture.data["expect"]
    expected = {r[key]: r for r in expect["rows"]}
    got = {r[key]: r for r in rows}
    assert sorted(got) == sorted(expected), fixture_id(fixture)
    if "day" in expect:
        days = {str(r["usage_date"]) for r in rows}
        assert days <= {expect["day"]}, f"{fixture_id(fixture)}: rows of {days}"
    problems = [
        f"{ident}: {d}" for ident, want in expected.items() for d in differences(got[ident], want)
    ]
    assert not problems, f"{fixture_id(fixture)}: " + "; ".join(problems)
