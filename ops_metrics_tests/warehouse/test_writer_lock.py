"""The warehouse writer lock, between real processes on a real DuckDB file: two writers never
hold the file at once, a writer waits for the other, and a wait that runs out names the file."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import duckdb
import pytest

from ops_metrics.warehouse.writer_lock import WriterLockTimeout, lock_path, writer_lock

# Processes are spawned: each is a fresh interpreter, as a run worker is.
SPAWN = multiprocessing.get_context("spawn")


def _write_many(db: str, name: str, times: int, start: object) -> None:
    """Open the DuckDB file for writing `times` times under the lock. duckdb.connect is called
    directly (no waiting on DuckDB's own lock), so a second writer inside would fail here."""
    start.wait(30)  # type: ignore[attr-defined]
    for n in range(times):
        with writer_lock(db, name, wait=60):
            con = duckdb.connect(db)
            try:
                con.execute("create table if not exists t (who varchar, n integer)")
                con.execute("insert into t values (?, ?)", [name, n])
            finally:
                con.close()


def _hold(db: str, held: object, release: object, out: object) -> None:
    with writer_lock(db, "asset incident_io/companya/incidents (run r1)", wait=5):
        held.set()  # type: ignore[attr-defined]
        release.wait(60)  # type: ignore[attr-defined]
        out.put(("released", time.time()))  # type: ignore[attr-defined]


def _take(db: str, wait: float, trying: object, out: object) -> None:
    trying.set()  # type: ignore[attr-defined]
    try:
        with writer_lock(db, "asset incident_io/companyb/incidents (run r2)", wait=wait):
            out.put(("taken", time.time()))  # type: ignore[attr-defined]
    except WriterLockTimeout as exc:
        out.put(("timeout", str(exc)))  # type: ignore[attr-defined]


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
