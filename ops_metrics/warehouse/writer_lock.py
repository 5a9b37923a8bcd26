"""The warehouse writer lock: one writer at a time on a DuckDB file, held only while writing.

DuckDB takes one writer process per file. Dagster's `warehouse_writer` pool used to keep the
writers apart, but a pool slot is held for a whole step, and an ingestion step is mostly its
fetch: a slow source queued every other source's load behind it. The fetch completes into a
spool off the warehouse (warehouse/spool.py), so the only part that needs the file is the
stage-and-merge. This lock covers exactly that (and the dbt build, which dbt-duckdb holds the
file for from start to end), so ingestion steps fetch in parallel and write one at a time.

It is an `fcntl.flock` on `<duckdb file>.writer.lock`, beside the file: shared by every process
on the host (the daemon's run workers, `dagster dev`, the CLI), released by the kernel when its
holder dies, so a killed run never leaves it taken. The wait for it is bounded
(OPS_METRICS_WRITER_LOCK_WAIT_SECONDS), and a wait that runs out names the lock file and who
holds it. Snowflake needs no lock: concurrent MERGEs into different tables are ordinary
transactions there, so the lock is taken only on the DuckDB target.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ops_metrics import settings
from ops_metrics.settings import ConfigurationError

WAIT_ENV = "OPS_METRICS_WRITER_LOCK_WAIT_SECONDS"
# Longer than a dbt build of the whole project on a laptop (a few minutes), which is the longest
# anyone holds the lock; a merge holds it for seconds.
DEFAULT_WAIT_SECONDS = 900.0
_POLL_SECONDS = 0.1


class WriterLockTimeout(TimeoutError):
    """The writer lock was not free within the wait; the message names the lock file."""


def lock_path(database: str | Path) -> Path:
    """The lock file of a DuckDB file: beside it, so every process writing it finds the same."""
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + ".writer.lock")


def wait_seconds() -> float:
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value == float("inf"):
        raise ConfigurationError(f"{WAIT_ENV} must be a number of seconds >= 0, got {raw!r}")
    return value


@contextlib.contextmanager
def writer_lock(
    database: str | Path,
    holder: str,
    wait: float | None = None,
    log: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the writer lock of the DuckDB file `database` for the block. `holder` (the asset or
    step) is written into the lock file, so a waiter that gives up can say who held it."""
    wait = wait_seconds() if wait is None else wait
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # "a+": opening never truncates what the current holder wrote.
    with open(path, "a+", encoding="utf-8") as file:
        while True:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started >= wait:
                    file.seek(0)
                    held_by = file.read().strip() or "another process"
                    raise WriterLockTimeout(
                        f"{holder}: the warehouse writer lock {path} was still held after "
                        f"{wait:g} s (by {held_by}); {WAIT_ENV} sets how long a write waits"
                    ) from None
                time.sleep(_POLL_SECONDS)
        taken = time.monotonic()
        try:
            file.seek(0)
            file.truncate()
            file.write(f"pid {os.getpid()}: {holder}\n")
            file.flush()
            if log is not None:
                log(f"{holder}: warehouse writer lock taken after {taken - started:.1f} s")
            yield
        finally:
            file.seek(0)
            file.truncate()
            file.flush()
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
            if log is not None:
                log(
                    f"{holder}: warehouse writer lock released after {time.monotonic() - taken:.1f} s"
                )


def warehouse_writer_lock(
    warehouse: object, holder: str, log: Callable[[str], None] | None = None
) -> contextlib.AbstractContextManager[None]:
    """The IO manager's lock: the writer lock of `warehouse`'s file when it is DuckDB; nothing
    for Snowflake, which takes concurrent writers."""
    from ops_metrics.warehouse.duckdb import DuckDBWarehouse

    if not isinstance(warehouse, DuckDBWarehouse):
        return contextlib.nullcontext()
    return writer_lock(warehouse.path, holder, log=log)


def dbt_writer_lock(
    holder: str, log: Callable[[str], None] | None = None, target: str | None = None
) -> contextlib.AbstractContextManager[None]:
    """The dbt step's lock: the writer lock of the file dbt-duckdb opens (OPS_METRICS_DUCKDB_PATH,
    exported to dbt by dbt/project.py) when the dbt target (`target`, else settings.dbt_target)
    is `duckdb`; nothing on Snowflake or its emulator."""
    if (target or settings.dbt_target()) != "duckdb":
        return contextlib.nullcontext()
    return writer_lock(settings.duckdb_path(), holder, log=log)
