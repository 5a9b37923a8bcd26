"""`ops-metrics simulator`: every vendor simulator on one loopback port, until Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
import threading

from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.simulators.app import build_app, serve
from ops_metrics.simulators.credentials import (
    AMP_CLIENT_ID,
    AMP_CLIENT_SECRET,
    INCIDENT_IO_KEYS,
    TOOL_KEYS,
)
from ops_metrics.simulators.options import DEFAULT_SEED, SimulatorOptions


def run_forever(
    host: str,
    port: int,
    seed: int | None = None,
    faults: str | None = None,
    rate_limits: bool = True,
) -> int:
    from ops_metrics.simulators.faults import plan_from_profile

    options = SimulatorOptions(
        seed=seed if seed is not None else DEFAULT_SEED,
        faults=plan_from_profile(faults) if faults else None,
        rate_limits=rate_limits,
    )
    server = serve(build_app(options), host, port)
    url = f"http://{host}:{server.server_port}"
    print(f"ops_metrics simulators on {url} (seed {options.seed})")
    if faults:
        print(f"Fault mode: {faults} (see ops_metrics/simulators/faults.py)")
    if not rate_limits:
        print("Rate limits lifted (--no-rate-limits)")
    print("Incident.io workspaces (GET /v2/incidents, Bearer key):")
    for ws in WORKSPACES:
        print(
            f"  {ws.name:<16} {ws.api_key_env}={INCIDENT_IO_KEYS[ws.name]} {ws.base_url_env}={url}"
        )
    print("AI tools:")
    for t in TOOLS:
        secrets = (
            f"AI_TOOLS_AMP_CLIENT_ID={AMP_CLIENT_ID} AI_TOOLS_AMP_CLIENT_SECRET={AMP_CLIENT_SECRET}"
            if t.name == "amp"
            else f"{t.api_key_env}={TOOL_KEYS[t.name]}"
        )
        print(f"  {t.name:<16} {secrets} {t.base_url_env}={url}")
    print(
        "Point a live run at it: OPS_METRICS_SOURCES=live plus the variables above. Ctrl-C stops."
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.shutdown()
    return 0
