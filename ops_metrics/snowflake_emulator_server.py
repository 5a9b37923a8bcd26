"""The fakesnow server process of the Snowflake emulator (`ops_metrics.snowflake_emulator` starts
it): `python -m ops_metrics.snowflake_emulator_server --port N [--db-path DIR]`.

A module of its own so the server process imports fakesnow only, not Dagster.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import threading

HOST = "127.0.0.1"


def serve(port: int, db_path: str | None, host: str = HOST) -> None:
    """fakesnow's server until SIGINT or SIGTERM."""
    import fakesnow

    # Take the context manager first: importing the `fakesnow.server` submodule rebinds the
    # package attribute of the same name to the module.
    start_server = fakesnow.server
    server_module = importlib.import_module("fakesnow.server")
    from fakesnow.instance import FakeSnow

    if db_path:
        # The server keeps databases in memory unless each client sends the session parameter
        # FAKESNOW_DB_PATH, which dbt-snowflake cannot send. One instance stored on disk, shared
        # by every session as the default in-memory one is, gives every client the same files.
        server_module.shared_fs = FakeSnow(db_path=db_path)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with start_server(port=port, host=host):
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="a fakesnow server for ops_metrics")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db-path", default=None)
    args = parser.parse_args()
    serve(args.port, args.db_path)


if __name__ == "__main__":
    main()
