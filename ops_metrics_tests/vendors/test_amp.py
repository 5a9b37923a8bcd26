"""Amp against its published API (docs/vendors/amp.md): the token comes from Amp's auth host with
the analytics scope, the analytics answer loads with cache tokens and cost, and the simulator
serves the documented shapes."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from ops_metrics.ai_tools.tools.amp import (
    SCOPE,
    TOKEN_URL,
    TOKEN_URL_ENV,
    USAGE_PATH,
    ClientCredentialsAuth,
    token_url,
)
from ops_metrics.registry import tool
from ops_metrics.settings import ConfigurationError
from ops_metrics.simulators.credentials import AMP_CLIENT_ID, AMP_CLIENT_SECRET
from ops_metrics.sources import SourcesResource
from ops_metrics_tests.ai_tools._support import DAY, SOURCES
from ops_metrics_tests.vendors._examples import (
    BASE_URL,
    assert_loads,
    examples,
    transport,
)
from ops_metrics_tests.vendors.shapes import mismatches

AMP = tool("amp")
DOCS = examples("amp")
USAGE = DOCS["daily_usage"]
LIVE = SourcesResource(mode="live")


def test_adapter_loads_the_documented_answer_with_cache_tokens() -> None:
    auth = ClientCredentialsAuth("id", "secret", token_url="/oauth2/token")
    client = httpx.Client(
        base_url=BASE_URL, transport=transport(DOCS["oauth2_token"], USAGE), auth=auth
    )
    assert_loads(AMP, USAGE, client=client, directory=USAGE.expect["directory"])


def test_the_token_comes_from_amps_auth_host_with_the_analytics_scope() -> None:
    """Before: `{base}/oauth/token` without a scope, which Amp does not serve."""
    sent: list[httpx.Request] = []
    documented = transport(DOCS["oauth2_token"], USAGE)

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return documented.handle_request(request)

    auth = ClientCredentialsAuth(AMP_CLIENT_ID, AMP_CLIENT_SECRET)
    with httpx.Client(base_url="https://ampcode.com", transport=httpx.MockTransport(answer)) as c:
        response = c.get(USAGE_PATH, params={"endDate": "2025-10-08", "lookbackDays": 1}, auth=auth)
    assert response.status_code == 200
    token, usage = sent
    assert str(token.url) == TOKEN_URL == "https://auth.ampcode.com/oauth2/token"
    form = parse_qs(token.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": [AMP_CLIENT_ID],
        "client_secret": [AMP_CLIENT_SECRET],
        "scope": ["amp.api:workspace.analytics:view"],
    }
    assert usage.headers["Authorization"] == "Bearer amp-example-access-token"


def test_token_url_documented_by_default_derived_from_base_url_or_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_URL_ENV, raising=False)
    monkeypatch.delenv(AMP.base_url_env, raising=False)
    assert token_url(AMP, LIVE) == TOKEN_URL
    assert token_url(AMP, SOURCES) == "/oauth2/token"  # the in-process simulator
    monkeypatch.setenv(AMP.base_url_env, "http://127.0.0.1:8765/")
    assert token_url(AMP, LIVE) == "http://127.0.0.1:8765/oauth2/token"
    monkeypatch.setenv(TOKEN_URL_ENV, "https://sso.example.com/amp/token")
    assert token_url(AMP, LIVE) == "https://sso.example.com/amp/token"
    monkeypatch.setenv(TOKEN_URL_ENV, "auth.ampcode.com/oauth2/token")
    with pytest.raises(ConfigurationError, match=TOKEN_URL_ENV):
        token_url(AMP, LIVE)


def _simulator() -> httpx.Client:
    return SOURCES.tool_client(AMP)


def _token(client: httpx.Client, scope: str | None) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": AMP_CLIENT_ID,
        "client_secret": AMP_CLIENT_SECRET,
    }
    return client.post("/oauth2/token", data=form | ({"scope": scope} if scope else {}))


def test_simulator_token_endpoint_is_amps_and_wants_a_scope() -> None:
    with _simulator() as client:
        assert _token(client, None).json()["error"] == "invalid_scope"
        assert _token(client, "amp.api:everything").status_code == 400
        granted = _token(client, SCOPE)
        assert granted.status_code == 200
        assert mismatches(granted.json(), DOCS["oauth2_token"].body) == []
        members_only = _token(client, "amp.api:workspace.members:view").json()["access_token"]
        refused = client.get(
            USAGE_PATH,
            params={"endDate": DAY.isoformat(), "lookbackDays": 1},
            headers={"Authorization": f"Bearer {members_only}"},
        )
        assert refused.status_code == 403


def test_simulator_serves_the_documented_analytics_shape() -> None:
    with _simulator() as client:
        token = _token(client, f"{SCOPE} amp.api:workspace.members:view").json()["access_token"]
        served = client.get(
            USAGE_PATH,
            params={"endDate": DAY.isoformat(), "lookbackDays": 2},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    assert len(served["data"]) == 2 and served["data"][0]["users"]
    optional = frozenset({"$.data[].users[].user.email"})
    assert mismatches(_one_model_key(served), _one_model_key(USAGE.body), optional=optional) == []


def _one_model_key(body: dict) -> dict:
    """`models` is a map keyed by model id, not a record: compare every entry's shape under one
    key, so the model names a day happens to use do not count as fields."""
    data = [
        {
            **entry,
            "users": [
                {**u, "models": {"<model>": m}}
                for u in entry["users"]
                for m in u["models"].values()
            ],
        }
        for entry in body["data"]
    ]
    return {**body, "data": data}


def test_without_the_members_scope_no_email_is_served() -> None:
    with _simulator() as client:
        token = _token(client, SCOPE).json()["access_token"]
        served = client.get(
            USAGE_PATH,
            params={"endDate": DAY.isoformat(), "lookbackDays": 1},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    users = served["data"][0]["users"]
    assert users and all(set(u["user"]) == {"id"} for u in users)
