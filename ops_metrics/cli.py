"""`ops-metrics`: the project's command line (the demo and the simulator server)."""

from __future__ import annotations

import argparse
import sys

from ops_metrics.demo import DEFAULT_DAYS, EMULATOR_DEFAULT_DAYS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ops-metrics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole pipeline on recent simulated data")
    demo.add_argument(
        "--days",
        type=int,
        default=None,
        help=(
            f"how many recent days to ingest (default {DEFAULT_DAYS}, every week the dashboards "
            f"show; {EMULATOR_DEFAULT_DAYS} on the Snowflake emulator)"
        ),
    )
    demo.add_argument(
        "--target",
        choices=["duckdb", "snowflake-emulator"],
        default="duckdb",
        help="duckdb (default: a local file) or snowflake-emulator (a local fakesnow server)",
    )

    sim = sub.add_parser("simulator", help="serve the vendor API simulators on a loopback port")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--seed", type=int, default=None)
    sim.add_argument(
        "--faults",
        default=None,
        metavar="PROFILE[:SEED]",
        help="misbehave on purpose: transient, soak, data, all or loop (simulators/faults.py)",
    )
    sim.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="lift the vendors' rate limits (Incident.io 1,200/min, Cursor): for bulk backfills",
    )

    codegen = sub.add_parser(
        "dbt-codegen",
        help="write the dbt sources, staging stubs and instance lists from the registry",
    )
    codegen.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any file is stale"
    )

    args = parser.parse_args(argv)
    if args.command == "dbt-codegen":
        from ops_metrics.dbt.codegen import sync

        stale = sync(check=args.check)
        for path in stale:
            print(f"{'stale' if args.check else 'wrote'}: {path}")
        return 1 if args.check and stale else 0
    if args.command == "simulator":
        from ops_metrics.simulators.server import run_forever

        return run_forever(
            args.host, args.port, args.seed, args.faults, rate_limits=not args.no_rate_limits
        )
    from ops_metrics.demo import run_demo

    return run_demo(days=args.days, target=args.target)


if __name__ == "__main__":
    sys.exit(main())
