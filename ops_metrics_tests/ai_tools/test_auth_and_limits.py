"""Auth, credentials and rate limits: live mode against the simulator served on loopback, and the
OAuth flow in-process on a clock the test moves (waits are recorded, never slept)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from ops_metrics.ai_tools.adapter import read_day
from ops_metrics.ai_tools.tools import amp as amp_adapter
from ops_metrics.ai_tools.tools.cursor import CursorAdapter
from ops_metrics.ai_tools.tools.github_copilot import ORG_ENV
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import TOOLS, tool
from ops_metrics.settings import ConfigurationError
from ops_metrics.simulators.ai_tools import amp, cursor
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve, transport
from ops_metrics.simulators.credentials import AMP_CLIENT_ID, AMP_CLIENT_SECRET, TOOL_KEYS
from ops_metrics.simulators.http import Response
from ops_metrics.sources import SourcesResource
from ops_metrics_tests.ai_tools._support import DAY, NOW, SEED, SOURCES, pull


class MovableClock:
    """The simulator's "now", moved forward by the waits the client asks for."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.waits: list[float] = []

    def __call__(self) -> datetime:
        return self.at

    def seconds(self) -> float:
        return self.at.timestamp()

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def served(clock: MovableClock) -> Iterator[str]:
    """The simulators on a loopback port, one Cursor request a minute, on the movable clock."""
    app = build_app(SimulatorOptions(clock=clock, extra={"cursor_rate_limit_per_minute": 1}))
    server = serve(app)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_cursor_over_http_paces_requests_and_honours_retry_after(
    served: str, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cur = tool("cursor")
    monkeypatch.setenv(cur.api_key_env, TOOL_KEYS["cursor"])
    monkeypatch.setenv(cur.base_url_env, served)
    # Pacing and retries share the test's clock: every wait is recorded and moves time instead.
    adapter = CursorAdapter(clock=clock.seconds, sleep=clock.sleep)
    retry = RetryPolicy(sleep=clock.sleep, now=clock)
    live = SourcesResource(mode="live")
    days = (DAY, DAY + timedelta(days=1))
    # One client for two days, as a backfill run uses it: the pacer spaces the two requests.
    client = adapter.client(cur, live)
    extractor = APIExtractor("cursor", client, retry=retry)
    transformer = DataTransformer("cursor", adapter.record_model, adapter.id_field)
    with client:
        pulled = [read_day(adapter, cur, extractor, transformer, day, {}) for day in days]
    # Every request after the first waited 3 s (pacing), then met the 1/min limit: 429 with
    # Retry-After 57, honoured; nothing else was waited for.
    logical = extractor.stats.requests - extractor.stats.retries
    assert logical >= 4  # per day: daily usage + at least one page of usage events
    assert clock.waits == [3.0, 57.0] * (logical - 1)
    assert extractor.stats.retry_reasons == {"http_429": logical - 1}
    for day, rows in zip(days, pulled, strict=True):
        active = [r for r in cursor.day_rows(SEED, day).values() if r["isActive"]]
        assert sorted(r.engineer_identifier for r in rows) == sorted(r["email"] for r in active)
        estimated = [r for r in rows if r.tokens_estimated]
        assert estimated and len(estimated) < len(rows)  # measured where the events report


def test_cursor_is_not_paced_in_simulated_mode() -> None:
    waits: list[float] = []
    adapter = CursorAdapter(sleep=waits.append)
    with adapter.client(tool("cursor"), SOURCES) as client:
        assert client.event_hooks["request"] == []
    assert waits == []


def test_amp_token_is_cached_and_refreshed_on_401(clock: MovableClock) -> None:
    app = build_app(SimulatorOptions(clock=clock))
    auth = amp_adapter.ClientCredentialsAuth(
        AMP_CLIENT_ID, AMP_CLIENT_SECRET, token_url="/oauth2/token"
    )
    client = httpx.Client(base_url="http://sim", transport=transport(app), auth=auth)
    extractor = APIExtractor("amp", client, retry=RetryPolicy(sleep=clock.sleep))
    adapter = amp_adapter.ADAPTER
    for day in (DAY, DAY - timedelta(days=1)):
        pages = list(adapter.fetch_day(extractor, day))
        assert sum(map(len, pages)) == len(amp.day_users(SEED, day))
    assert auth.tokens_fetched == 1
    # The server's clock passes the token's expiry while ours does not: the 401 triggers a refresh.
    clock.at += timedelta(hours=2)
    assert sum(map(len, adapter.fetch_day(extractor, DAY))) == len(amp.day_users(SEED, DAY))
    assert auth.tokens_fetched == 2
    assert extractor.stats.retries == 0


def test_amp_bad_client_secret_names_the_variables(clock: MovableClock) -> None:
    app = build_app(SimulatorOptions(clock=clock))
    auth = amp_adapter.ClientCredentialsAuth(
        AMP_CLIENT_ID, "wrong", token_url="/oauth2/token", id_env="AI_TOOLS_AMP_CLIENT_SECRET"
    )
    client = httpx.Client(base_url="http://sim", transport=transport(app), auth=auth)
    extractor = APIExtractor("amp", client, retry=RetryPolicy(sleep=clock.sleep))
    with pytest.raises(Exception, match="AI_TOOLS_AMP_CLIENT_SECRET"):
        list(amp_adapter.ADAPTER.fetch_day(extractor, DAY))


@pytest.mark.parametrize("t", TOOLS, ids=lambda t: t.name)
def test_missing_key_in_live_mode_names_the_variable(t, monkeypatch: pytest.MonkeyPatch) -> None:
    for env in (*t.secret_envs, ORG_ENV):
        monkeypatch.delenv(env, raising=False)
    from ops_metrics.ai_tools.adapter import load_adapter

    with pytest.raises(ConfigurationError, match=t.secret_envs[0]):
        load_adapter(t).client(t, SourcesResource(mode="live"))


def test_github_org_is_required_in_live_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    gh = tool("github_copilot")
    monkeypatch.setenv(gh.api_key_env, "ghp_anything")
    monkeypatch.delenv(ORG_ENV, raising=False)
    from ops_metrics.ai_tools.adapter import load_adapter

    with pytest.raises(ConfigurationError, match=ORG_ENV):
        load_adapter(gh).client(gh, SourcesResource(mode="live"))
    monkeypatch.setenv(ORG_ENV, "acme")
    with load_adapter(gh).client(gh, SourcesResource(mode="live")) as client:
        assert str(client.base_url) == "https://api.github.com/orgs/acme/"


def test_live_without_directory_url_keeps_identities_unresolved_and_says_so_once(
    served: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    amp_tool = tool("amp")
    monkeypatch.setenv("AI_TOOLS_AMP_CLIENT_ID", AMP_CLIENT_ID)
    monkeypatch.setenv("AI_TOOLS_AMP_CLIENT_SECRET", AMP_CLIENT_SECRET)
    monkeypatch.setenv(amp_tool.base_url_env, served)
    monkeypatch.delenv("OPS_METRICS_DIRECTORY_URL", raising=False)
    monkeypatch.delenv("AI_TOOLS_AMP_TOKEN_URL", raising=False)
    with caplog.at_level("WARNING"):
        rows, _ = pull(amp_tool, DAY, SourcesResource(mode="live"))
    users = amp.day_users(SEED, DAY)
    assert len(rows) == len(users)  # nothing dropped
    # Amp sends emails only to a client with the members scope, which the adapter does not ask
    # for (analytics only): without a directory no Amp identity is resolved. The token came from
    # the served base URL's /oauth2/token, as AI_TOOLS_AMP_TOKEN_URL is not set.
    assert all(r.engineer_email is None for r in rows)
    assert sum("OPS_METRICS_DIRECTORY_URL" in m for m in caplog.messages) == 1


def test_amp_token_endpoint_failures_are_retried_like_data(clock: MovableClock) -> None:
    app = build_app(SimulatorOptions(clock=clock))
    failures = [Response.json({"error": "unavailable"}, 503), Response.json({"error": "slow"}, 429)]
    app.middleware.append(
        lambda request, inner: (
            failures.pop(0) if request.path == "/oauth2/token" and failures else inner(request)
        )
    )
    auth = amp_adapter.ClientCredentialsAuth(
        AMP_CLIENT_ID, AMP_CLIENT_SECRET, token_url="/oauth2/token"
    )
    client = httpx.Client(base_url="http://sim", transport=transport(app), auth=auth)
    extractor = APIExtractor("amp", client, retry=RetryPolicy(sleep=clock.sleep))
    pages = list(amp_adapter.ADAPTER.fetch_day(extractor, DAY))
    assert sum(map(len, pages)) == len(amp.day_users(SEED, DAY))
    assert extractor.stats.retry_reasons == {"http_503": 1, "http_429": 1}
    assert auth.tokens_fetched == 1
