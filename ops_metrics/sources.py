"""How assets reach the vendors: the built-in simulators (default) or the live APIs.

Credentials are read from the environment when a source's asset runs, never stored in run
config or Dagster storage, so a missing key fails that source's step alone, with an error naming
the variable, and leaves every other source loading.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlparse

import dagster as dg
import httpx

from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.settings import ConfigurationError

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
        )
    )


# What to do about a variable live mode needs, said the same way everywhere.
LIVE_HINT = "set it, or run on the built-in simulators with OPS_METRICS_SOURCES=simulated"


def require_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"environment variable {name} is not set (needed in live mode): {LIVE_HINT}"
        )
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

    @property
    def simulated(self) -> bool:
        if self.mode not in ("simulated", "live"):
            raise ConfigurationError(
                f"OPS_METRICS_SOURCES must be 'simulated' or 'live', got {self.mode!r}"
            )
        return self.mode == "simulated"

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.retry_max_attempts, base_delay=self.retry_base_delay_seconds
        )

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

    def secret(self, env: str, simulated_value: str) -> str:
        return simulated_value if self.simulated else require_env(env)

    def client(
        self,
        base_url_env: str,
        default_base_url: str,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Client:
        timeout = httpx.Timeout(self.timeout_seconds, connect=min(10.0, self.timeout_seconds))
        if self.simulated:
            from ops_metrics.simulators.app import transport

            return httpx.Client(
                base_url=SIMULATOR_BASE_URL,
                transport=transport(
                    simulator_app(
                        self.simulator_seed,
                        self.simulator_frozen_at,
                        self.simulator_faults,
                        self.simulator_rate_limits,
                    )
                ),
                headers=headers,
                auth=auth,
                timeout=timeout,
            )
        base_url = checked_base_url(base_url_env, os.environ.get(base_url_env) or default_base_url)
        return httpx.Client(base_url=base_url, headers=headers, auth=auth, timeout=timeout)
