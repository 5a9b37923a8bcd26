"""The warehouse writer lock, between real processes on a real DuckDB file: two writers never
hold the file at once, a writer waits for the other, and a wait that runs out names the file."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from ops_metrics.dbt.assets import ops_metrics_dbt_assets
from ops_metrics.dbt.project import ops_metrics_dbt_project
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.pipeline import error_line
from ops_metrics.warehouse.writer_lock import lock_path
from ops_metrics_tests.warehouse._lock_holders import _hold, _take, _write_many

# Processes are spawned: each is a fresh interpreter, as a run worker is. What they run lives in
# a small module (_lock_holders.py), so each starts in a fraction of a second.
SPAWN = multiprocessing.get_context("spawn")


def _join(*procs: multiprocessing.process.BaseProcess) -> None:
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0, f"{proc.name} exited {proc.exitcode}"


def test_two_writer_processes_never_hold_the_file_at_once(tmp_path: Path) -> None:
    db = str(tmp_path / "warehouse.duckdb")
    start = SPAWN.Event()
    procs = [
        SPAWN.Process(target=_write_many, args=(db, name, 25, start), name=name)
        for name in ("a", "b")
    ]
    for proc in procs:
        proc.start()
    start.set()
    _join(*procs)
    with duckdb.connect(db, read_only=True) as con:
        counts = dict(con.execute("select who, count(*) from t group by who").fetchall())
    assert counts == {"a": 25, "b": 25}
    assert lock_path(db) == (tmp_path / "warehouse.duckdb.writer.lock").resolve()


def test_a_writer_waits_for_the_holder(tmp_path: Path) -> None:
    db = str(tmp_path / "warehouse.duckdb")
    held, release, trying, out = SPAWN.Event(), SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    holder = SPAWN.Process(target=_hold, args=(db, held, release, out))
    holder.start()
    assert held.wait(60)
    taker = SPAWN.Process(target=_take, args=(db, 60.0, trying, out))
    taker.start()
    assert trying.wait(60)
    release.set()
    events = dict(out.get(timeout=60) for _ in range(2))
    _join(holder, taker)
    assert set(events) == {"released", "taken"}
    assert events["taken"] >= events["released"]


def test_a_wait_that_runs_out_names_the_lock_file_and_its_holder(tmp_path: Path) -> None:
    db = str(tmp_path / "warehouse.duckdb")
    held, release, trying, out = SPAWN.Event(), SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    holder = SPAWN.Process(target=_hold, args=(db, held, release, out))
    holder.start()
    assert held.wait(60)
    try:
        taker = SPAWN.Process(target=_take, args=(db, 0.3, trying, out))
        taker.start()
        kind, message = out.get(timeout=60)
    finally:
        release.set()
    _join(holder, taker)
    assert kind == "timeout"
    assert message == (
        f"asset incident_io/companyb/incidents (run r2): the warehouse writer lock "
        f"{lock_path(db)} was still held after 0.3 s (by pid {holder.pid}: asset "
        "incident_io/companya/incidents (run r1)); OPS_METRICS_WRITER_LOCK_WAIT_SECONDS sets "
        "how long a write waits"
    )


def test_the_wait_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from ops_metrics.settings import ConfigurationError
    from ops_metrics.warehouse.writer_lock import DEFAULT_WAIT_SECONDS, wait_seconds

    monkeypatch.delenv("OPS_METRICS_WRITER_LOCK_WAIT_SECONDS", raising=False)
    assert wait_seconds() == DEFAULT_WAIT_SECONDS
    monkeypatch.setenv("OPS_METRICS_WRITER_LOCK_WAIT_SECONDS", "12.5")
    assert wait_seconds() == 12.5
    monkeypatch.setenv("OPS_METRICS_WRITER_LOCK_WAIT_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="OPS_METRICS_WRITER_LOCK_WAIT_SECONDS"):
        wait_seconds()


def _failure(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [e for e in result.all_events if e.is_step_failure]
    return error_line(failure.step_failure_data.error)


def test_the_stage_and_merge_and_the_dbt_build_both_take_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resources: dict[str, object]
) -> None:
    """Another writer holds the file's lock: an ingestion merge and a dbt build each wait for it
    (here 0.3 s), then fail naming the lock file, having written nothing."""
    db = tmp_path / "warehouse.duckdb"  # the `warehouse` fixture's file
    monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(db))
    monkeypatch.setenv("OPS_METRICS_TARGET", "duckdb")
    monkeypatch.setenv("OPS_METRICS_WRITER_LOCK_WAIT_SECONDS", "0.3")
    held, release, out = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    holder = SPAWN.Process(target=_hold, args=(str(db), held, release, out))
    holder.start()
    assert held.wait(60)
    try:
        [companya] = [
            a for a in incident_assets if a.key.path == ["incident_io", "companya", "incidents"]
        ]
        ingestion = dg.materialize(
            [companya], resources=resources, partition_key="2026-03-02-10:00", raise_on_error=False
        )
        dbt = dg.materialize(
            [ops_metrics_dbt_assets],
            resources={"dbt": DbtCliResource(project_dir=ops_metrics_dbt_project, target="duckdb")},
            raise_on_error=False,
        )
    finally:
        release.set()
    _join(holder)
    held_by = f"(by pid {holder.pid}: asset incident_io/companya/incidents (run r1))"
    line = _failure(ingestion)
    assert line.startswith("incident_io/companya/incidents (run ")
    assert line.endswith(
        f": the warehouse writer lock {lock_path(db)} was still held after 0.3 s {held_by}; "
        "OPS_METRICS_WRITER_LOCK_WAIT_SECONDS sets how long a write waits"
    )
    line = _failure(dbt)
    assert line.startswith("dbt build (run ")
    assert f"the warehouse writer lock {lock_path(db)} was still held after 0.3 s" in line
    assert (
        not db.exists()
        or not duckdb.connect(str(db), read_only=True)
        .execute("select * from information_schema.tables")
        .fetchall()
    )
