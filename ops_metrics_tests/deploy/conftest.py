"""A production-shaped Dagster deployment for the slow deploy tests: a throwaway PostgreSQL
cluster, a DAGSTER_HOME holding deploy/dagster.production.yaml, and `dagster-daemon run` over the
minutely test code location. Everything is torn down even when a test fails."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics import settings
from ops_metrics_tests.deploy.postgres import Postgres, server_bin_dir, throwaway_cluster

WORKSPACE = """load_from:
  - python_module:
      module_name: ops_metrics_tests.deploy.minutely_location
      location_name: ops_metrics
      working_directory: {root}
"""


@dataclass
class Deployment:
    home: Path  # DAGSTER_HOME
    data: Path  # OPS_METRICS_HOME (the DuckDB warehouse)
    env: dict[str, str]
    instance: dg.DagsterInstance
    daemon: subprocess.Popen
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """A `dagster` command against this deployment, as an operator would run it."""
        return subprocess.run(
            [_script("dagster"), *args, "-w", str(self.home / "workspace.yaml")],
            env=self.env, cwd=self.home, capture_output=True, text=True, timeout=180,
        )  # fmt: skip

    def wait_for(self, what: str, condition: Callable[[], object], timeout: float) -> object:
        """Poll `condition` until it returns something truthy; fail with the daemon log if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.daemon.poll() is not None:
                pytest.fail(f"dagster-daemon exited while waiting for {what}:\n{self.log_tail()}")
            time.sleep(1)
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = server_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql; .ci/run does)")
    with throwaway_cluster(bin_dir) as pg:
        yield pg


@pytest.fixture(scope="module")
def deployment(
    postgres: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("deployment")
    home, data = root / "dagster_home", root / "ops_metrics_home"
    home.mkdir()
    data.mkdir()
    shutil.copyfile(
        settings.PROJECT_ROOT / "deploy" / "dagster.production.yaml", home / "dagster.yaml"
    )
    (home / "workspace.yaml").write_text(WORKSPACE.format(root=settings.PROJECT_ROOT))
    env = {
        **os.environ,
        **postgres.env(),
        "DAGSTER_HOME": str(home),
        "OPS_METRICS_HOME": str(data),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(settings.PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p
        ),
    }
    env["OPS_METRICS_TEST_CRON"] = tick_cron(datetime.now(UTC))
    for name in ("OPS_METRICS_DUCKDB_PATH", "OPS_METRICS_SOURCES", "OPS_METRICS_TARGET"):
        env.pop(name, None)
    # The test process reads the same instance: the env: entries resolve from os.environ.
    saved = {k: os.environ.get(k) for k in postgres.env()}
    os.environ.update(postgres.env())
    instance = dg.DagsterInstance.from_config(str(home))
    log = root / "daemon.log"
    with log.open("w") as out:
        # Own process group: runs and the code server it spawns are stopped with it.
        daemon = subprocess.Popen(
            [_script("dagster-daemon"), "run", "-w", str(home / "workspace.yaml")],
            env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        yield Deployment(home, data, env, instance, daemon, log)
    finally:
        _stop_group(daemon)
        instance.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def tick_cron(now: datetime, lead_seconds: int = 40) -> str:
    """A cron for the first minute boundary at least `lead_seconds` ahead: the daemon and the code
    location load first, and a tick before the schedule is first seen would be skipped. One tick
    per schedule, because every minute would queue a run of the same partition each minute."""
    tick = (now + timedelta(seconds=lead_seconds + 59)).replace(second=0, microsecond=0)
    return f"{tick.minute} {tick.hour} * * *"


def _script(name: str) -> str:
    """The console script installed beside this interpreter (not whatever PATH finds first)."""
    return str(Path(sys.executable).with_name(name))


def _stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    # Run workers outlive a stopped daemon by design; end any left in our group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
