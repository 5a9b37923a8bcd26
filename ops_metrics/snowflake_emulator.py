"""`ops-metrics demo --target snowflake-emulator`: the whole pipeline on a local Snowflake emulator.

Starts a fakesnow server (a subprocess on a free loopback port, its databases stored as DuckDB
files under $OPS_METRICS_HOME/snowflake_emulator/), points the SNOWFLAKE_* variables at it the way
a deployment points them at an account, and runs the same steps as the DuckDB demo: simulators ->
RAW through the stage-and-merge IO manager -> dbt on the `emulator` target. Only imported in that
mode: fakesnow and the Snowflake backend are slow to import.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from ops_metrics import settings
from ops_metrics.sources import SourcesResource

HOST = "127.0.0.1"
# One database for raw and the dbt layers, where production has two (RAW and ANALYTICS, see the
# README): fakesnow's DESCRIBE TABLE finds only tables of the session's own database, and dbt
# describes the raw sources (unit tests) from its ANALYTICS session. The sources still resolve
# their database from SNOWFLAKE_DATABASE, as in production.
DATABASE = "OPS_METRICS"
STARTUP_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Emulator:
    host: str
    port: int
    data_dir: Path | None
    log_path: Path

    def environment(self) -> dict[str, str]:
        """What a deployment would set for a real account, pointed at the emulator. fakesnow
        accepts any credentials; the roles and warehouses are those of production."""
        return {
            "OPS_METRICS_TARGET": "snowflake",
            "OPS_METRICS_SNOWFLAKE_EMULATOR": "1",
            "SNOWFLAKE_ACCOUNT": "fakesnow",
            "SNOWFLAKE_USER": "fake",
            "SNOWFLAKE_PASSWORD": "snow",
            "SNOWFLAKE_ROLE": "LOADER",
            "SNOWFLAKE_DBT_ROLE": "TRANSFORMER",
            "SNOWFLAKE_WAREHOUSE": "ETL_SMALL",
            "SNOWFLAKE_DATABASE": DATABASE,
            "SNOWFLAKE_DBT_DATABASE": DATABASE,
            "SNOWFLAKE_HOST": self.host,
            "SNOWFLAKE_PORT": str(self.port),
            "SNOWFLAKE_PROTOCOL": "http",
        }


def default_data_dir() -> Path:
    return settings.home() / "snowflake_emulator"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the fakesnow server exited at startup; see {log_path}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the fakesnow server did not listen on {HOST}:{port}; see {log_path}")


@contextmanager
def running_emulator(data_dir: Path | None = None, fresh: bool = True) -> Iterator[Emulator]:
    """A fakesnow server for the duration of the block, stopped (and its files closed) after.

    `data_dir` None keeps the databases in memory. `fresh` removes earlier database files first:
    the emulator is a demo and test fixture, and fakesnow's own catalog (in memory) would not
    know the tables of files it did not create.
    """
    log_dir = data_dir or settings.home()
    log_dir.mkdir(parents=True, exist_ok=True)
    if data_dir and fresh:
        for old in data_dir.glob("*.db*"):
            old.unlink()
    port = _free_port()
    log_path = log_dir / "fakesnow-server.log"
    command = [sys.executable, "-m", "ops_metrics.snowflake_emulator_server", "--port", str(port)]
    if data_dir:
        command += ["--db-path", str(data_dir)]
    with log_path.open("wb") as log:
        # The server logs every request; that goes to the log file, not the demo's output.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(process, port, log_path)
        yield Emulator(HOST, port, data_dir, log_path)
    finally:
        process.send_signal(signal.SIGINT)  # the server's clean shutdown (closes the files)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def emulator_environment(emulator: Emulator) -> Iterator[None]:
    """Set the emulator's variables for the block and restore the previous values after."""
    previous = {name: os.environ.get(name) for name in emulator.environment()}
    os.environ.update(emulator.environment())
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def emulator_defs(sources: SourcesResource | None = None) -> dg.Definitions:
    """The code location's assets with resources read from the environment NOW (after
    `emulator_environment`): `ops_metrics.definitions.defs` was built at import, for whatever
    target was set then. `sources` overrides the sources resource (tests freeze its clock)."""
    from ops_metrics import definitions
    from ops_metrics.dbt.assets import dbt_resource

    resources = {**definitions.resources(), "dbt": dbt_resource()}
    if sources is not None:
        resources["sources"] = sources
    return dg.Definitions(assets=list(definitions.defs.assets or []), resources=resources)


def run_emulator_demo(days: int, verbose: bool = False) -> int:
    from ops_metrics.console import RunLog, instance_home
    from ops_metrics.demo_steps import execute, mode_banner, summarize
    from ops_metrics.pipeline import DETAILED, PipelineSteps

    home = instance_home()
    data_dir = default_data_dir()
    now = datetime.now(UTC)
    with RunLog("demo-snowflake-emulator", verbose=verbose, now=now) as log:
        banner = mode_banner(days, settings.sources_mode())
        log.say(f"ops_metrics demo on the Snowflake emulator: {banner}")
        log.say(f"  run log: {log.path}")
        log.say("  starting a fakesnow server ...")
        with running_emulator(data_dir) as emulator, emulator_environment(emulator):
            log.say(f"  fakesnow on http://{emulator.host}:{emulator.port}  (data in {data_dir})")
            log.say(
                f"  loader -> {DATABASE}.RAW, dbt --target {settings.dbt_target()} -> "
                f"{DATABASE}.STAGING / INTERMEDIATE / MARTS"
            )
            with log.captured():
                instance = dg.DagsterInstance.get()
                steps = PipelineSteps.from_definitions(
                    now=now, days=days, defs=emulator_defs(), run_config=DETAILED
                )
            outcome = execute(steps, instance, log)
            log.say("  stopping the fakesnow server ...")
        summarize(outcome, steps.dashboards_index, log)
        database_file = data_dir / f"{DATABASE}.db"
        log.say(f"Emulator database: {database_file}  (a DuckDB file once the server has stopped:")
        log.say(
            f"  OPS_METRICS_DUCKDB_PATH={database_file} "
            'ops-metrics sql "select * from marts.fct_ops__mttr_weekly limit 5")'
        )
        log.say(f"Server log: {emulator.log_path}")
        log.say(f"Runs in Dagster: DAGSTER_HOME={home} dagster dev")
        log.say(f"Run log: {log.path}")
        return 0 if outcome.success else 1
