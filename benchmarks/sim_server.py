"""The Incident.io simulator on a loopback port, in its own process so the measured client's
CPU and memory are its own. Prints `{"port": N}` once the universe is built; stops when stdin
closes (the runner holds the pipe)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from benchmarks.common import emit
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.incident_io import incident_universe

# After the simulated span (2025-2026) ends: every incident is visible and settled.
FROZEN_AT = datetime(2027, 1, 2, tzinfo=UTC)
WORKSPACE = "companya"


def options(incidents: int) -> SimulatorOptions:
    # The 1,200 requests/min limit is part of the API's contract, not of the pipeline's cost:
    # lifted so repeated 100k loads measure throughput, not waiting.
    return SimulatorOptions(
        incidents_per_workspace=incidents,
        clock=fixed_clock(FROZEN_AT),
        rate_limits=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, required=True)
    args = parser.parse_args()
    opts = options(args.incidents)
    incident_universe(WORKSPACE, opts)  # build up front: not part of any client's timing
    server = serve(build_app(opts))
    emit({"port": server.server_port})
    sys.stdin.read()  # until the runner closes the pipe
    server.shutdown()


if __name__ == "__main__":
    main()
