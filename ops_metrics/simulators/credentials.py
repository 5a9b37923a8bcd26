"""The simulators' credentials. Not secrets: they only open the built-in simulators, and simulated
mode uses them automatically so a laptop needs no configuration.

Product code never imports this module: it asks `SourcesResource.secret(env)`, which in
simulated mode answers with `simulated_value(env)` from here.
"""

from __future__ import annotations

from ops_metrics.registry import TOOLS, WORKSPACES


def tool_key(name: str) -> str:
    """The simulated API key of the AI tool `name` (any tool, registered or not)."""
    return f"sim-{name}"


INCIDENT_IO_KEYS: dict[str, str] = {ws.name: f"sim-incident-io-{ws.name}" for ws in WORKSPACES}
TOOL_KEYS: dict[str, str] = {t.name: tool_key(t.name) for t in TOOLS}
AMP_CLIENT_ID = "sim-amp-client"
AMP_CLIENT_SECRET = "sim-amp-secret"
GITHUB_ORG = "example-org"

# Variables whose simulated value is not a tool's `sim-<name>` key.
_BY_ENV: dict[str, str] = {
    **{ws.api_key_env: INCIDENT_IO_KEYS[ws.name] for ws in WORKSPACES},
    "AI_TOOLS_AMP_CLIENT_ID": AMP_CLIENT_ID,
    "AI_TOOLS_AMP_CLIENT_SECRET": AMP_CLIENT_SECRET,
    "AI_TOOLS_GITHUB_COPILOT_ORG": GITHUB_ORG,
}


def simulated_value(env: str) -> str:
    """What simulated mode uses for the variable `env`: the value its simulator accepts. A
    tool's `AI_TOOLS_<NAME>_API_KEY` is `sim-<name>`, so a new tool needs no entry here."""
    if env in _BY_ENV:
        return _BY_ENV[env]
    prefix, suffix = "AI_TOOLS_", "_API_KEY"
    if env.startswith(prefix) and env.endswith(suffix):
        return tool_key(env[len(prefix) : -len(suffix)].lower())
    raise KeyError(f"{env} has no simulated value (simulators/credentials.py)")
