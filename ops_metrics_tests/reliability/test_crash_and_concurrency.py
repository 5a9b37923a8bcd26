"""Real processes killed with SIGKILL between stage and merge or during the merge leave every
target untouched or fully merged, and the next run finishes the job; two processes loading the
same partitions at once end with one correct copy (DuckDB's single writer: the second waits)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ops_metrics.registry import WORKSPACES
from ops_metrics.settings import PROJECT_ROOT
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics_tests.reliability._support import incident_truth, partition_window

FIRST, LAST = "2026-03-02-00:00", "2026-03-08-23:00"
WINDOW = partition_window(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 8, 23, tzinfo=UTC))
DEADLINE_SECONDS = 240


def launch(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops_metrics_tests.reliability._run_partition",
            str(db),
            FIRST,
            LAST,
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def kill_after(proc: subprocess.Popen[str], marker: str, nth: int, extra: float) -> bool:
    """SIGKILL once the nth line containing `marker` appears (plus `extra` seconds). False if
    the process ended first."""
    seen = 0
    deadline = time.monotonic() + DEADLINE_SECONDS
    assert proc.stdout is not None
    for line in proc.stdout:
        if marker in line:
            seen += 1
            if seen == nth:
                if extra:
                    # Polling, not waiting for time: the kill lands at a random-ish later point.
                    end = time.monotonic() + extra
                    while time.monotonic() < end and proc.poll() is None:
                        pass
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                return True
        if time.monotonic() > deadline:
            break
    proc.wait(timeout=30)
    return False


def truths() -> dict[str, set[str]]:
    return {ws.name: set(incident_truth(ws.name, *WINDOW)) for ws in WORKSPACES}


def assert_each_target_untouched_or_complete(db: Path, truth: dict[str, set[str]]) -> None:
    warehouse = DuckDBWarehouse(path=str(db))
    tables = {r[0] for r in warehouse.query("select table_name from information_schema.tables")}
    for ws in WORKSPACES:
        if ws.raw_table not in tables:
            continue
        ids = [r[0] for r in warehouse.query(f"select id from raw.{ws.raw_table}")]
        assert len(ids) == len(set(ids)), f"{ws.name}: duplicate ids"
        assert set(ids) in (set(), truth[ws.name]), f"{ws.name}: a partial merge is visible"


@pytest.mark.slow
def test_sigkill_between_stage_and_merge_or_mid_merge_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    truth = truths()
    # Kill points: right after a workspace's rows are staged (before its merge), a moment
    # later (inside the merge transaction), and after a later workspace's staging.
    kills = [("staged", 1, 0.0), ("staged", 1, 0.05), ("staged", 2, 0.01), ("inserted", 1, 0.02)]
    killed = 0
    for marker, nth, extra in kills:
        killed += kill_after(launch(db), marker, nth, extra)
        assert_each_target_untouched_or_complete(db, truth)
    assert killed >= 3, "the kills must land before the run ends"
    finisher = launch(db)
    out, _ = finisher.communicate(timeout=DEADLINE_SECONDS)
    assert finisher.returncode == 0, out[-3000:]
    warehouse = DuckDBWarehouse(path=str(db))
    for ws in WORKSPACES:
        ids = [r[0] for r in warehouse.query(f"select id from raw.{ws.raw_table}")]
        assert sorted(ids) == sorted(truth[ws.name]), ws.name


@pytest.mark.slow
def test_the_same_partitions_launched_twice_at_once_end_with_one_correct_copy(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warehouse.duckdb"
    procs = [launch(db), launch(db)]
    outputs: list[str] = ["", ""]

    def drain(n: int) -> None:
        outputs[n] = procs[n].communicate(timeout=DEADLINE_SECONDS)[0]

    threads = [threading.Thread(target=drain, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-3000:]
    truth = truths()
    warehouse = DuckDBWarehouse(path=str(db))
    for ws in WORKSPACES:
        ids = [r[0] for r in warehouse.query(f"select id from raw.{ws.raw_table}")]
        assert sorted(ids) == sorted(truth[ws.name]), ws.name
