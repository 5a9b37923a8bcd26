"""The simulators' fault mode against the extractor: every transient fault surfaces as what a real
network or API would give (an httpx.TransportError subclass, a 429/5xx, an unparseable body) and
is retried until the walk returns exactly what the API holds, in-process and over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest

from ops_metrics.incident_io.extractor import IncidentExtractor
from ops_metrics.ingestion.errors import ExtractionError
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve, transport
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
from ops_metrics.simulators.faults import TRANSIENT_KINDS, FaultPlan, plan_from_profile
from ops_metrics_tests.reliability._support import NOW, incident_truth, injector_of

WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
AUTH = {"Authorization": f"Bearer {INCIDENT_IO_KEYS['companya']}"}


class Waits:
    """A RetryPolicy whose sleep records instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def policy(self, attempts: int = 6) -> RetryPolicy:
        return RetryPolicy(max_attempts=attempts, sleep=self.waits.append)


@contextmanager
def client_for(plan: FaultPlan, over_http: bool, timeout: float = 5.0) -> Iterator[httpx.Client]:
    app = build_app(SimulatorOptions(clock=fixed_clock(NOW), faults=plan))
    if not over_http:
        yield httpx.Client(
            base_url="http://sim", transport=transport(app), headers=AUTH, timeout=timeout
        )
        return
    server = serve(app, port=0)
    try:
        yield httpx.Client(
            base_url=f"http://127.0.0.1:{server.server_port}", headers=AUTH, timeout=timeout
        )
    finally:
        server.shutdown()


def walk(client: httpx.Client, waits: Waits, attempts: int = 6) -> IncidentExtractor:
    ex = IncidentExtractor("incident_io/companya", client, retry=waits.policy(attempts))
    ex.loaded = [r for page in ex.pages(WINDOW) for r in page]  # type: ignore[attr-defined]
    return ex


def truth_ids() -> list[str]:
    truth = incident_truth("companya", WINDOW.start, WINDOW.end)
    return sorted(truth)


@pytest.mark.parametrize("over_http", [False, True], ids=["in_process", "loopback"])
def test_a_connection_reset_is_a_transport_error_on_both_paths(over_http: bool) -> None:
    with client_for(FaultPlan(kinds=("reset",), rate=1.0), over_http) as client:
        with pytest.raises(httpx.TransportError):
            client.get("/v2/incidents", params={"page_size": 5})
        # The plan's third attempt at the same request is always served.
        with pytest.raises(httpx.TransportError):
            client.get("/v2/incidents", params={"page_size": 5})
        assert client.get("/v2/incidents", params={"page_size": 5}).status_code == 200


@pytest.mark.parametrize("over_http", [False, True], ids=["in_process", "loopback"])
def test_an_answer_slower_than_the_client_timeout_is_a_read_timeout(over_http: bool) -> None:
    # Over a socket the client really waits its 0.2 s; in-process the timeout is immediate.
    plan = FaultPlan(kinds=("slow",), rate=1.0, slow_seconds=1.0, max_consecutive=1)
    with client_for(plan, over_http, timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/v2/incidents", params={"page_size": 5})
        assert client.get("/v2/incidents", params={"page_size": 5}).status_code == 200


@pytest.mark.parametrize("kind", TRANSIENT_KINDS)
def test_each_transient_fault_is_retried_and_the_walk_equals_ground_truth(kind: str) -> None:
    plan = FaultPlan(kinds=(kind,), rate=1.0, seed=3)
    waits = Waits()
    with client_for(plan, over_http=False) as client:
        ex = walk(client, waits)
    assert sorted(r["id"] for r in ex.loaded) == truth_ids()  # type: ignore[attr-defined]
    # Every request failed exactly max_consecutive times before it was served.
    assert ex.stats.retries == plan.max_consecutive * (ex.stats.requests - ex.stats.retries)
    if kind == "http_429_retry_after":
        assert set(waits.waits) == {float(plan.retry_after_seconds)}
    if kind == "http_429_skewed_date":
        assert set(waits.waits) == {0.0}  # a date in the past means "now", never a negative wait


def test_the_loopback_path_survives_a_mix_of_every_fault() -> None:
    plan = FaultPlan(rate=0.6, seed=11, slow_seconds=1.0)
    waits = Waits()
    with client_for(plan, over_http=True, timeout=0.3) as client:
        ex = walk(client, waits)
        reasons = set(ex.stats.retry_reasons)
    assert sorted(r["id"] for r in ex.loaded) == truth_ids()  # type: ignore[attr-defined]
    assert ex.stats.retries > 0 and reasons <= {
        "http_429",
        "http_500",
        "http_502",
        "http_503",
        "invalid_json",
        "ReadError",
        "RemoteProtocolError",
        "ReadTimeout",
    }


def test_truncated_json_is_retried_and_gives_up_with_a_clear_error() -> None:
    # Never served whole within the client's 3 attempts.
    plan = FaultPlan(kinds=("truncated_json",), rate=1.0, max_consecutive=5)
    with client_for(plan, over_http=False) as client, pytest.raises(ExtractionError) as failure:
        walk(client, Waits(), attempts=3)
    assert "not JSON 3 times" in str(failure.value)
    assert "/v2/incidents" in str(failure.value)


def test_faults_are_deterministic_by_seed_and_attempt() -> None:
    def injected(seed: int) -> dict[str, int]:
        plan = FaultPlan(rate=0.5, seed=seed)
        with client_for(plan, over_http=False) as client:
            walk(client, Waits())
            return dict(injector_of(client._transport.app).injected)  # type: ignore[attr-defined]

    assert injected(1) == injected(1)
    plans = {s: FaultPlan(rate=0.5, seed=s) for s in (1, 2)}
    faults = {s: [p.transient_fault("GET /x", n) for n in range(40)] for s, p in plans.items()}
    assert faults[1] != faults[2]
    # Attempt max_consecutive (and every one after a run of faults) is always served.
    assert all(f is None for f in faults[1][2::3])


def test_unknown_profile_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown fault profile 'nope'"):
        plan_from_profile("nope")
    assert plan_from_profile("soak:7").seed == 7
