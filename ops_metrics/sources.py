"""How assets reach the vendors: the built-in simulators (default) or the live APIs.

Credentials are read from the environment when a source's asset runs, never stored in run
config or Dagster storage, so a missing key fails that source's step alone, with an error naming
the variable, and leaves every other source loading.
"""

from __future__ import annotations

import math
import os
import urllib.request
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import dagster as dg
import httpx

from ops_metrics.ingestion.fetch_budget import FETCH_BUDGET_VARIABLE, FetchBudget
from ops_metrics.ingestion.redaction import CREDENTIAL_HEADERS, REDACTOR
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transport import MIB, GuardedTransport, Limits, network_transport
from ops_metrics.settings import ConfigurationError, checked_sources_mode

if TYPE_CHECKING:
    from ops_metrics.registry import Tool

SIMULATOR_BASE_URL = "http://simulator.local"


def simulator_app(
    seed: int | None = None,
    frozen_at: str | None = None,
    faults: str | None = None,
    rate_limits: bool = True,
):
    """The in-process simulator (a Router), built once per process and setting; imported lazily
    to keep the code location lean. `faults` is a fault profile (simulators/faults.py). Every
    caller with the same settings gets the same app (and so the same fault injector and rate
    limiters), however it passes them."""
    return _simulator_app(seed, frozen_at, faults, rate_limits)


@lru_cache(maxsize=8)
def _simulator_app(seed: int | None, frozen_at: str | None, faults: str | None, rate_limits: bool):
    from datetime import datetime

    from ops_metrics.simulators.app import DEFAULT_SEED, SimulatorOptions, build_app
    from ops_metrics.simulators.clock import fixed_clock, system_clock
    from ops_metrics.simulators.faults import plan_from_profile

    clock = fixed_clock(datetime.fromisoformat(frozen_at)) if frozen_at else system_clock
    return build_app(
        SimulatorOptions(
            seed=DEFAULT_SEED if seed is None else seed,
            clock=clock,
            rate_clock=system_clock,
            faults=plan_from_profile(faults) if faults else None,
            rate_limits=rate_limits,
            # No tool simulator yet: each is registered when its tool first asks for a client
            # (SourcesResource.tool_client), so only the tools in use are imported.
            tools=(),
        )
    )


# The transport's bounds: (variable, default). SourcesResource fields override them (tests).
DEADLINE_ENV = ("OPS_METRICS_HTTP_DEADLINE_SECONDS", 60.0)
MAX_BODY_ENV = ("OPS_METRICS_HTTP_MAX_BODY_BYTES", 64 * MIB)
MAX_DECODED_ENV = ("OPS_METRICS_HTTP_MAX_DECODED_BYTES", 256 * MIB)
RETRY_BUDGET_ENV = ("OPS_METRICS_RETRY_BUDGET_SECONDS", 90.0)
PAGE_BUDGET_ENV = ("OPS_METRICS_PAGE_BUDGET_PER_DAY", 2400)
# Seconds a partition's whole fetch may take (all its requests, pages and retries). An hour of
# incidents or a day of a tool's usage is a few requests, seconds in all; 100 s leaves room for
# a slow vendor and a minute's rate-limit wait, and keeps "a hostile source ends its run within
# two minutes" true of a server that answers each page just inside the per-request deadline
# (measured at the defaults, a page every 55 s: 120 s gave a 122 s run, docs/reliability.md).
FETCH_BUDGET_ENV = (FETCH_BUDGET_VARIABLE, 100.0)

# What to do about a variable live mode needs, said the same way everywhere.
LIVE_HINT = "set it, or run on the built-in simulators with OPS_METRICS_SOURCES=simulated"


def require_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"environment variable {name} is not set (needed in live mode): {LIVE_HINT}"
        )
    return header_safe(name, value)


def header_safe(name: str, value: str) -> str:
    """A credential travels in an HTTP header: printable ASCII only. Checked when read, so the
    error names the variable and never quotes the value (httpx would quote it)."""
    for char in value:
        if char in "\r\n":
            problem = "a line break"
        elif ord(char) > 126:
            problem = "a non-ASCII character"
        elif ord(char) < 32 or ord(char) == 127:
            problem = "a control character"
        else:
            continue
        raise ConfigurationError(
            f"environment variable {name} contains {problem}; a credential must be printable "
            "ASCII (the value is not shown)"
        )
    return value


def env_number(setting: tuple[str, float | int], override: float | int | None) -> float:
    """A transport bound: the resource's field when set, else the variable, else the default."""
    if override is not None:
        return float(override)
    name, default = setting
    raw = os.environ.get(name, "").strip()
    if not raw:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise ConfigurationError(f"{name} must be a positive number, got {raw!r}")
    return value


def missing_envs(names: Sequence[str]) -> list[str]:
    return [name for name in names if not os.environ.get(name, "").strip()]


def checked_base_url(env: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigurationError(f"{env}={value!r} is not an http(s) URL")
    return value.rstrip("/")


class SourcesResource(dg.ConfigurableResource):
    """`mode` is OPS_METRICS_SOURCES: `simulated` or `live`."""

    mode: str = "simulated"
    timeout_seconds: float = 30.0
    # Retries of each request (see ingestion.retry); tests turn the waits down to zero.
    retry_max_attempts: int = 6
    retry_base_delay_seconds: float = 0.5
    # Simulated mode only: the data set's seed, and an ISO instant to freeze the simulators'
    # clock at (default: the real time), so a run can be replayed exactly.
    simulator_seed: int | None = None
    simulator_frozen_at: str | None = None
    # Simulated mode only: a fault profile, `PROFILE[:SEED]` (see simulators/faults.py), to run
    # against misbehaving vendors; the reliability tests and the soak use it.
    simulator_faults: str | None = None
    # Simulated mode only: False lifts the simulated vendors' rate limits, so a backfill of a
    # year from the simulator does not wait out Cursor's pacing (benchmarks use it).
    simulator_rate_limits: bool = True
    # Bounds on every request (ingestion/transport.py); None reads the OPS_METRICS_HTTP_* and
    # OPS_METRICS_*_BUDGET variables (README, "What is bounded"). Tests set them small.
    request_deadline_seconds: float | None = None
    max_body_bytes: int | None = None
    max_decoded_bytes: int | None = None
    retry_budget_seconds: float | None = None
    page_budget_per_day: int | None = None
    fetch_budget_seconds: float | None = None

    @property
    def simulated(self) -> bool:
        return checked_sources_mode(self.mode) == "simulated"

    def today(self) -> date:
        """The UTC day the vendors are at: the simulators' frozen clock when there is one (so a
        replayed run sees the same availability windows), else the real date."""
        if self.simulated and self.simulator_frozen_at:
            moment = datetime.fromisoformat(self.simulator_frozen_at)
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()
        return datetime.now(UTC).date()

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_max_attempts,
            base_delay=self.retry_base_delay_seconds,
            budget_seconds=env_number(RETRY_BUDGET_ENV, self.retry_budget_seconds),
        )

    def limits(self) -> Limits:
        return Limits(
            deadline_seconds=env_number(DEADLINE_ENV, self.request_deadline_seconds),
            max_wire_bytes=int(env_number(MAX_BODY_ENV, self.max_body_bytes)),
            max_decoded_bytes=int(env_number(MAX_DECODED_ENV, self.max_decoded_bytes)),
        )

    def page_budget(self, window: timedelta) -> int:
        """Pages one listing may take for a window: the per-day budget pro rata, at least an
        hour's worth. A cursor that never ends stops here with an error, not at the disk."""
        per_day = env_number(PAGE_BUDGET_ENV, self.page_budget_per_day)
        days = max(window, timedelta(hours=1)) / timedelta(days=1)
        return max(1, math.ceil(per_day * days))

    def fetch_budget(self, partitions: int = 1) -> FetchBudget:
        """The most a run's fetch may take: OPS_METRICS_FETCH_BUDGET_SECONDS per partition it
        covers (a backfill in one run gets each of its partitions' share)."""
        per_partition = env_number(FETCH_BUDGET_ENV, self.fetch_budget_seconds)
        return FetchBudget(per_partition, max(1, partitions))

    def require_live(self, source: str, envs: Sequence[str]) -> None:
        """Live mode: fail naming every one of `envs` that is unset, before anything is read (an
        adapter reading them one at a time would name only the first)."""
        if self.simulated:
            return
        missing = missing_envs(envs)
        if len(missing) == 1:
            raise ConfigurationError(
                f"{source}: environment variable {missing[0]} is not set (needed in live mode): "
                f"{LIVE_HINT}"
            )
        if missing:
            raise ConfigurationError(
                f"{source}: environment variables {', '.join(missing)} are not set (needed in "
                f"live mode): set them, or run on the built-in simulators with "
                "OPS_METRICS_SOURCES=simulated"
            )

    def secret(self, env: str) -> str:
        """The credential (or setting) in the variable `env`; in simulated mode the value the
        built-in simulator accepts, so product code never reaches into the simulators."""
        if self.simulated:
            from ops_metrics.simulators.credentials import simulated_value

            value = simulated_value(env)
        else:
            value = require_env(env)
        # Known to the redactor before any request carries it (ingestion/redaction.py).
        REDACTOR.register(value)
        return value

    def tool_client(
        self, tool: Tool, headers: dict[str, str] | None = None, auth: httpx.Auth | None = None
    ) -> httpx.Client:
        """A client for an AI tool's API (`client` at the tool's base URL). In simulated mode the
        tool's simulator module is loaded first, and only now: a missing or broken one fails
        this tool's step alone, naming the tool and the module (SimulatorModuleError)."""
        if self.simulated:
            from ops_metrics.simulators.ai_tools import ensure_tool

            ensure_tool(self._simulator(), tool)
        return self.client(tool.base_url_env, tool.default_base_url, headers=headers, auth=auth)

    def _simulator(self):  # -> simulators.http.Router, imported lazily with the simulators
        return simulator_app(
            self.simulator_seed,
            self.simulator_frozen_at,
            self.simulator_faults,
            self.simulator_rate_limits,
        )

    def client(
        self,
        base_url_env: str,
        default_base_url: str,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Client:
        """A client whose every request goes through the guarded transport (a total deadline,
        body caps, credentials learnt for redaction) and never follows a redirect."""
        # Per socket operation; the transport's deadline bounds the request as a whole.
        timeout = httpx.Timeout(self.timeout_seconds, connect=min(10.0, self.timeout_seconds))
        for name, value in (headers or {}).items():
            if name.lower() in CREDENTIAL_HEADERS:
                REDACTOR.register_header(value)
        if self.simulated:
            from ops_metrics.simulators.app import transport

            base_url = SIMULATOR_BASE_URL
            inner: httpx.BaseTransport = transport(self._simulator())
        else:
            base_url = checked_base_url(
                base_url_env, os.environ.get(base_url_env) or default_base_url
            )
            inner = network_transport(proxy=_env_proxy(base_url))
        return httpx.Client(
            base_url=base_url,
            transport=GuardedTransport(inner, self.limits()),
            headers=headers,
            auth=auth,
            timeout=timeout,
            follow_redirects=False,
        )


def _env_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, NO_PROXY ...), as httpx would
    use by itself: an explicit transport turns its own lookup off."""
    parsed = urlparse(url)
    if urllib.request.proxy_bypass(parsed.hostname or ""):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parsed.scheme) or proxies.get("all")
