"""Helpers shared by the runner and its workers: peak memory, timing, worker subprocesses."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH_RESULT "


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM) in MiB; ru_maxrss is the fallback off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(result: dict[str, Any]) -> None:
    """A worker's answer: one prefixed JSON line, so library chatter on stdout cannot confuse it."""
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def run_worker(
    module: str, args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 3600
) -> dict[str, Any]:
    """Run `python -m <module> <args>` in a fresh interpreter and return its emitted result."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(
        f"{module} {' '.join(args)} exited {done.returncode} without a result:\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )


def repeat(times: int, measure: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    return [measure() for _ in range(times)]


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())
