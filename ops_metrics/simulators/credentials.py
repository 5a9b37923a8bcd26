"""The simulators' credentials. Not secrets: they only open the built-in simulators, and simulated
mode uses them automatically so a laptop needs no configuration."""

from __future__ import annotations

from ops_metrics.registry import TOOLS, WORKSPACES

INCIDENT_IO_KEYS: dict[str, str] = {ws.name: f"sim-incident-io-{ws.name}" for ws in WORKSPACES}
TOOL_KEYS: dict[str, str] = {t.name: f"sim-{t.name}" for t in TOOLS}
AMP_CLIENT_ID = "sim-amp-client"
AMP_CLIENT_SECRET = "sim-amp-secret"
GITHUB_ORG = "example-org"
