"""`ops-metrics simulator`: every vendor simulator on one loopback port, until Ctrl-C."""

from __future__ import annotations

import signal
import threading

from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.simulators.app import DEFAULT_SEED, SimulatorOptions, build_app, serve
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS, TOOL_KEYS


def run_forever(host: str, port: int, seed: int | None = None) -> int:
    server = serve(build_app(SimulatorOptions(seed=seed if seed is not None else DEFAULT_SEED)), host, port)
    url = f"http://{host}:{server.server_port}"
    print(f"ops_metrics simulators on {url} (seed {seed if seed is not None else DEFAULT_SEED})")
    print("Incident.io workspaces (GET /v2/incidents, Bearer key):")
    for ws in WORKSPACES:
        print(f"  {ws.name:<16} {ws.api_key_env}={INCIDENT_IO_KEYS[ws.name]} {ws.base_url_env}={url}")
    print("AI tools:")
    for t in TOOLS:
        print(f"  {t.name:<16} {t.base_url_env}={url}")
    print("Point a live run at it: OPS_METRICS_SOURCES=live plus the variables above. Ctrl-C stops.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.shutdown()
    return 0
