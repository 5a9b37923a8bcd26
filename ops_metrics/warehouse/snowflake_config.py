"""Which Snowflake to connect to, read from the environment.

Kept apart from `snowflake.py` so the checks run without importing dagster-snowflake. Secrets are
handed on as `dg.EnvVar`s, never as values, so they are resolved when a run starts and never land
in run config or the UI. Host, port and protocol are not secret (private-link endpoints, the
fakesnow emulator) and pass as plain connection arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from ops_metrics.settings import ConfigurationError

REQUIRED = ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_DATABASE")
AUTH = ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PATH")
# SnowflakeResource field fed by each variable, when the variable is set.
FIELDS = {
    "SNOWFLAKE_ACCOUNT": "account",
    "SNOWFLAKE_USER": "user",
    "SNOWFLAKE_DATABASE": "database",
    "SNOWFLAKE_PASSWORD": "password",
    "SNOWFLAKE_PRIVATE_KEY": "private_key",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "private_key_path",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "private_key_password",
    "SNOWFLAKE_ROLE": "role",
    "SNOWFLAKE_WAREHOUSE": "warehouse",
}
EMULATOR_VARIABLE = "OPS_METRICS_SNOWFLAKE_EMULATOR"


@dataclass(frozen=True)
class SnowflakeSettings:
    resource_kwargs: dict[str, Any]
    connection_args: dict[str, Any] = field(default_factory=dict)
    emulator: bool = False


def _set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def settings_from_env() -> SnowflakeSettings:
    """Checks the variables now, so a misconfigured deployment fails naming the variable."""
    for name in REQUIRED:
        if not _set(name):
            raise ConfigurationError(f"{name} must be set when OPS_METRICS_TARGET=snowflake")
    auth = [name for name in AUTH if _set(name)]
    if len(auth) != 1:
        raise ConfigurationError(
            f"set exactly one of {', '.join(AUTH)} when OPS_METRICS_TARGET=snowflake"
            + (f" (got {', '.join(auth)})" if auth else "")
        )
    kwargs: dict[str, Any] = {
        resource_field: dg.EnvVar(name) for name, resource_field in FIELDS.items() if _set(name)
    }
    return SnowflakeSettings(
        resource_kwargs=kwargs,
        connection_args=_endpoint_from_env(),
        emulator=os.environ.get(EMULATOR_VARIABLE, "").strip().lower() in ("1", "true", "yes"),
    )


def _endpoint_from_env() -> dict[str, Any]:
    # SnowflakeResource has no host/port/protocol fields; they go through
    # `additional_snowflake_connection_args`, which reaches snowflake.connector.connect as is.
    args: dict[str, Any] = {}
    if _set("SNOWFLAKE_HOST"):
        args["host"] = os.environ["SNOWFLAKE_HOST"].strip()
    if _set("SNOWFLAKE_PORT"):
        raw = os.environ["SNOWFLAKE_PORT"].strip()
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ConfigurationError(f"SNOWFLAKE_PORT must be a TCP port number, got {raw!r}")
        args["port"] = int(raw)
    if _set("SNOWFLAKE_PROTOCOL"):
        protocol = os.environ["SNOWFLAKE_PROTOCOL"].strip().lower()
        if protocol not in ("http", "https"):
            raise ConfigurationError(
                f"SNOWFLAKE_PROTOCOL must be 'http' or 'https', got {protocol!r}"
            )
        args["protocol"] = protocol
    return args
