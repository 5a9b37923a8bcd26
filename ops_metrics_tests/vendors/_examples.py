"""What the vendor-example tests share: which fixtures exist, the live-mode environment that
points a source at the documented-examples server, and how a loaded row is held to `expect`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ops_metrics.registry import TOOLS, WORKSPACES, Tool, Workspace
from ops_metrics_tests.vendors.docs_server import Fixture, load_fixtures

FIXTURES = load_fixtures()
INCIDENT_IO = "incident_io"
DOCUMENTED_KEY = "documented-example-key"  # the docs server does not check credentials
AMP_TOKEN_URL_ENV = "AI_TOOLS_AMP_TOKEN_URL"
COPILOT_ORG_ENV = "AI_TOOLS_GITHUB_COPILOT_ORG"


def fixture_id(fixture: Fixture) -> str:
    return f"{fixture.source}/{fixture.path.name}"


def with_expect() -> list[Fixture]:
    return [f for f in FIXTURES if "expect" in f.data]


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
    """`rows` are exactly the expected ones (by `key`), each with the expected values."""
    expected = {r[key]: r for r in fixture.data["expect"]["rows"]}
    got = {r[key]: r for r in rows}
    assert sorted(got) == sorted(expected), fixture_id(fixture)
    problems = [
        f"{ident}: {d}" for ident, want in expected.items() for d in differences(got[ident], want)
    ]
    assert not problems, f"{fixture_id(fixture)}: " + "; ".join(problems)
