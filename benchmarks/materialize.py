"""Ingestion through the product, as a user runs it: `dagster asset materialize` of
`incident_io/companya/incidents`, one month of hourly partitions as a single-run backfill, in
live mode against a server at `--base-url` (the fast server: `benchmarks.fast_server`).

The command runs in a fresh process with a private OPS_METRICS_HOME and DAGSTER_HOME; the clock
covers the whole command (interpreter start, definitions, Dagster's run and its step, the load,
the merge). Peak RSS is sampled over the whole process tree, summed: the CLI, which runs the
one step in-process (ops_metrics/execution.py), and its helpers (dbt's manifest parse at start,
the compute-log tailers); a step process too if the executor starts one. `--profile PATH` runs the command under
`py-spy record --subprocesses` and writes its collapsed stacks to PATH (timings then include
the profiler's overhead and are not reported as figures).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.common import REPO_ROOT, TreeRssSampler, cpu_seconds, emit, stopwatch
from benchmarks.fast_server import API_KEY, PARTITION_RANGE
from ops_metrics.incident_io.rows import table_spec
from ops_metrics.registry import workspace

ASSET = "incident_io/companya/incidents"
# Settings a developer's shell may carry that would point the run elsewhere.
_CLEARED = ("OPS_METRICS_DUCKDB_PATH", "OPS_METRICS_TARGET", "OPS_METRICS_DBT_TARGET")


def command(partition_range: str = PARTITION_RANGE) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "-m",
        "ops_metrics.definitions",
        "--select",
        ASSET,
        "--partition-range",
        partition_range,
    ]


def environment(base_url: str, home: Path) -> dict[str, str]:
    ws = workspace("companya")
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "OPS_METRICS_SOURCES": "live",
            ws.base_url_env: base_url,
            ws.api_key_env: API_KEY,
            "OPS_METRICS_HOME": str(home),
            "DAGSTER_HOME": str(dagster_home),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
    )
    return env


_STAMP = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) [+-]\d{4} - "
_STEP_START = re.compile(_STAMP + r".* - STEP_START - ")
_MERGED = re.compile(_STAMP + r".*: \d+ inserted, \d+ updated, ")


def load_seconds(output: str) -> float | None:
    """Seconds from the step's STEP_START to the IO manager's merge-result line, from Dagster's
    log timestamps (1 s resolution): the load itself (fetch, validate, stage, merge) without the
    run's start-up or its per-partition events, which a loaded machine inflates most."""
    start = end = None
    for line in output.splitlines():
        if start is None and (m := _STEP_START.match(line)):
            start = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
        elif start is not None and (m := _MERGED.match(line)):
            end = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    return (end - start).total_seconds() if start and end else None


def loaded_rows(home: Path) -> int:
    spec = table_spec(workspace("companya"))
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (count,) = con.execute(f"select count(*) from {spec.qualified}").fetchone()
    return int(count)


def run(
    base_url: str, profile: Path | None = None, partition_range: str = PARTITION_RANGE
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_materialize_") as tmp:
        home = Path(tmp)
        argv = command(partition_range)
        if profile is not None:
            # raw = collapsed stacks ("frame;frame;... count"), one line per distinct stack.
            argv = ["py-spy", "record", "--subprocesses", "--format", "raw", "-o", str(profile),
                    "--", *argv]  # fmt: skip
        cpu_start = cpu_seconds(resource.RUSAGE_CHILDREN)
        with stopwatch() as elapsed:
            proc = subprocess.Popen(
                argv,
                cwd=REPO_ROOT,
                env=environment(base_url, home),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            sampler = TreeRssSampler(proc.pid)
            output, _ = proc.communicate()
            peak = sampler.stop()
        seconds = elapsed()
        # The CLI and every process it waited for (the step process): the run's CPU work.
        cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_start
        if proc.returncode != 0:
            tail = "\n".join(output.splitlines()[-int(os.environ.get("BENCH_TAIL", "40")) :])
            raise RuntimeError(
                f"dagster asset materialize {ASSET} exited {proc.returncode}:\n{tail}"
            )
        rows = loaded_rows(home)
    return {
        "mode": "materialize",
        "rows": rows,
        "seconds": seconds,
        "rows_per_sec": rows / seconds if seconds else 0.0,
        "peak_rss_mb": peak,
        "cpu_seconds": cpu,
        "load_seconds": load_seconds(output),
        "peak_rss_by_process_mb": sampler.peak_by_process,
        "rss_samples": len(sampler.samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--profile", type=Path, help="write py-spy collapsed stacks here")
    parser.add_argument("--partition-range", default=PARTITION_RANGE)
    args = parser.parse_args()
    emit(run(args.base_url, args.profile, args.partition_range))


if __name__ == "__main__":
    main()
