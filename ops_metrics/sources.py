"""How assets reach the vendors: the built-in simulators (default) or the live APIs.

Credentials are read from the environment when a source's asset runs, never stored in run
config or Dagster storage, so a missing key fails that source's step alone, with an error naming
the variable, and leaves every other source loading.
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import urlparse

import dagster as dg
import httpx

from ops_metrics.settings import ConfigurationError

SIMULATOR_BASE_URL = "http://simulator.local"


@lru_cache(maxsize=1)
def _simulator_app():  # noqa: ANN202 - a Router; imported lazily to keep the code location lean
    from ops_metrics.simulators.app import build_app

    return build_app()


def require_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set (needed in live mode)")
    return value


def checked_base_url(env: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigurationError(f"{env}={value!r} is not an http(s) URL")
    return value.rstrip("/")


class SourcesResource(dg.ConfigurableResource):
    """`mode` is OPS_METRICS_SOURCES: `simulated` or `live`."""

    mode: str = "simulated"
    timeout_seconds: float = 30.0

    @property
    def simulated(self) -> bool:
        if self.mode not in ("simulated", "live"):
            raise ConfigurationError(f"OPS_METRICS_SOURCES must be 'simulated' or 'live', got {self.mode!r}")
        return self.mode == "simulated"

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
                transport=transport(_simulator_app()),
                headers=headers,
                auth=auth,
                timeout=timeout,
            )
        base_url = checked_base_url(base_url_env, os.environ.get(base_url_env) or default_base_url)
        return httpx.Client(base_url=base_url, headers=headers, auth=auth, timeout=timeout)
