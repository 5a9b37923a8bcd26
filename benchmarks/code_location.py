"""Code-location load: wall time of a fresh interpreter importing ops_metrics.definitions, against
one importing only dagster and dagster_dbt (the floor any Dagster + dbt code location pays)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from benchmarks.common import REPO_ROOT, stopwatch

STATEMENTS = {
    "bare": "import dagster, dagster_dbt",
    "ops_metrics": "import ops_metrics.definitions",
}


def time_import(statement: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench_import_") as home:
        env = {**os.environ, "OPS_METRICS_HOME": home}
        env.pop("OPS_METRICS_DUCKDB_PATH", None)
        with stopwatch() as elapsed:
            subprocess.run([sys.executable, "-c", statement], cwd=REPO_ROOT, env=env, check=True)
        return elapsed()


def measure(repeats: int) -> dict[str, list[float]]:
    time_import(STATEMENTS["ops_metrics"])  # warm the OS file cache and .pyc files once
    # Interleaved, so a burst of load from other processes hits both sides alike.
    out: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(repeats):
        for name, statement in STATEMENTS.items():
            out[name].append(time_import(statement))
    return out
