"""`ops-metrics`: the project's command line.

demo         load recent days of every source, build the models and the dashboards
sql          query the local DuckDB warehouse, read-only
simulator    serve the vendor API simulators on a loopback port
dbt-codegen  write the dbt files that derive from the source registry
"""

from __future__ import annotations

import argparse
import sys

from ops_metrics.settings import ConfigurationError

# What each command does and touches, for its --help (the default --days is demo.DEFAULT_DAYS).
DEMO_DESCRIPTION = """\
Runs the whole pipeline once: one Dagster run per source (every Incident.io workspace and AI
tool in the registry) over the last DAYS days, then every dbt model and the dashboards.

Touches: the network only with OPS_METRICS_SOURCES=live (the vendors' APIs, keys from the
environment; default: the built-in simulators, in-process); the warehouse
($OPS_METRICS_HOME/warehouse.duckdb, default ./data/, or a local fakesnow server with
--target snowflake-emulator); the dashboards ($OPS_METRICS_HOME/dashboards/); Dagster's runs
($OPS_METRICS_HOME/dagster_home, what `dagster dev` shows); and one log file per run
($OPS_METRICS_HOME/logs/demo-<UTC time>.log).

Exits 1 when a source or the build failed, after printing each cause once."""

SQL_DESCRIPTION = """\
Runs one SQL statement on the DuckDB warehouse ($OPS_METRICS_DUCKDB_PATH, default
$OPS_METRICS_HOME/warehouse.duckdb) and prints the result as a table.

Touches: the warehouse file only, opened read-only: a statement that would write is refused, and
a file locked by a running writer (a demo, a run) is reported, not waited for. No network."""

SIMULATOR_DESCRIPTION = """\
Serves faithful stand-ins of every vendor API (Incident.io and the AI tools) on one loopback
port, printing each account's key and base URL, until interrupted.

Touches: the network port it listens on only; no warehouse, no files."""

CODEGEN_DESCRIPTION = """\
Writes the dbt sources, staging stubs and instance lists that derive from the source registry
(ops_metrics/registry.py).

Touches: files under ops_metrics_dbt/ only (with --check, nothing). No network, no warehouse."""


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from ops_metrics.demo import DEFAULT_DAYS, EMULATOR_DEFAULT_DAYS

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="ops-metrics", description=__doc__, formatter_class=formatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="load recent days of every source, build the models and the dashboards",
        description=DEMO_DESCRIPTION,
        formatter_class=formatter,
    )
    demo.add_argument(
        "--days",
        type=positive_int,
        default=None,
        metavar="DAYS",
        help=(
            f"how many recent days to load, at least 1 (default {DEFAULT_DAYS}, every week the "
            f"dashboards show; {EMULATOR_DEFAULT_DAYS} on the Snowflake emulator)"
        ),
    )
    demo.add_argument(
        "--target",
        choices=["duckdb", "snowflake-emulator"],
        default="duckdb",
        help="duckdb (default: a local file) or snowflake-emulator (a local fakesnow server)",
    )
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="also print Dagster's and dbt's output and full stack traces (always in the run log)",
    )

    sql = sub.add_parser(
        "sql",
        help="query the local DuckDB warehouse, read-only, printing a table",
        description=SQL_DESCRIPTION,
        formatter_class=formatter,
    )
    sql.add_argument("statement", help='one SQL statement, e.g. "show all tables"')
    sql.add_argument(
        "--max-rows",
        type=positive_int,
        default=50,
        help="print at most this many rows (default 50)",
    )

    sim = sub.add_parser(
        "simulator",
        help="serve the vendor API simulators on a loopback port",
        description=SIMULATOR_DESCRIPTION,
        formatter_class=formatter,
    )
    sim.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    sim.add_argument("--seed", type=int, default=None, help="the data set's seed")
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
        description=CODEGEN_DESCRIPTION,
        formatter_class=formatter,
    )
    codegen.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any file is stale"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigurationError as exc:
        # A setting the user can fix: its message names the variable; no stack trace.
        print(f"ops-metrics {args.command}: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
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
    if args.command == "sql":
        from ops_metrics.query import main as sql_main

        return sql_main(args.statement, args.max_rows)
    from ops_metrics.demo import run_demo

    return run_demo(days=args.days, target=args.target, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
