"""What the writer-lock test's processes run (a small module: spawned processes import it)."""

from __future__ import annotations

import time

import duckdb

from ops_metrics.warehouse.writer_lock import WriterLockTimeout, writer_lock


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
