"""A dbt build killed mid-way (SIGKILL, a real process) leaves every mart either as it was or
fully built, and the next build finishes the job: marts equal to an uninterrupted build."""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ops_metrics.settings import DBT_PROJECT_DIR
from ops_metrics_tests.dbt.raw_fixture import (
    MART_COLUMNS,
    MARTS,
    apply_late_updates,
    create_raw_tables,
)

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 240


def dbt_build(db: Path, target_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OPS_METRICS_DUCKDB_PATH": str(db), "OPS_METRICS_TARGET": "duckdb"}
    args = [
        "build",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--exclude",
        "resource_type:test",
        *extra,
    ]
    code = "import sys; from dbt.cli.main import cli; sys.exit(cli())"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(proc: subprocess.Popen[str]) -> None:
    out, _ = proc.communicate(timeout=DEADLINE_SECONDS)
    assert proc.returncode == 0, out[-3000:]


def kill_when(proc: subprocess.Popen[str], marker: str) -> str:
    """SIGKILL the build as soon as it prints `marker` (a model starting to write)."""
    seen = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return "".join(seen)
        assert time.monotonic() < deadline, "dbt never reached the kill point"
    raise AssertionError(f"dbt finished before {marker!r}:\n{''.join(seen)[-2000:]}")


def marts(db: Path) -> dict[str, list[tuple] | None]:
    with duckdb.connect(str(db), read_only=True) as con:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        return {
            m: con.execute(f"select {MART_COLUMNS} from marts.{m} order by all").fetchall()
            if m in present
            else None
            for m in MARTS
        }


@dataclass
class UninterruptedBuild:
    now: datetime
    first: Path  # the warehouse after the first build, before the late updates
    expected: dict[str, list[tuple] | None]  # the marts once the late updates are built


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> UninterruptedBuild:
    """The raw fixture built, then its late updates built: what every crashed build must end
    as. Shared by the kill points (two dbt builds in a subprocess each); each test crashes its
    own copy of the first build."""
    root = tmp_path_factory.mktemp("dbt_crash")
    now = datetime.now(UTC).replace(tzinfo=None)
    clean, first = root / "clean.duckdb", root / "first_build.duckdb"
    create_raw_tables(clean, now)
    finish(dbt_build(clean, root / "t_clean"))
    shutil.copyfile(clean, first)
    apply_late_updates(clean, now)
    finish(dbt_build(clean, root / "t_clean"))
    return UninterruptedBuild(now, first, marts(clean))


@pytest.mark.parametrize(
    "marker",
    [
        "START sql incremental model marts.fct_ops__incidents",
        "START sql table model marts.fct_ops__mttr_weekly",
    ],
)
def test_a_killed_build_leaves_marts_whole_and_a_rerun_completes(
    tmp_path: Path, marker: str, uninterrupted: UninterruptedBuild
):
    crashed = tmp_path / "crashed.duckdb"
    shutil.copyfile(uninterrupted.first, crashed)  # the first build: the crash hits an update
    apply_late_updates(crashed, uninterrupted.now)
    expected, before = uninterrupted.expected, marts(crashed)

    kill_when(dbt_build(crashed, tmp_path / "t_crash"), marker)
    after_kill = marts(crashed)
    for mart in MARTS:  # each mart is the old build or the new one, never something between
        assert after_kill[mart] in (before[mart], expected[mart]), mart

    finish(dbt_build(crashed, tmp_path / "t_crash"))
    assert marts(crashed) == expected
