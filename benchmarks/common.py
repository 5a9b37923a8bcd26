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


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of this process (every thread) or of its waited-for children.
    On a shared machine CPU time is the steadier measure of work: wall clock also counts the
    time spent waiting for a core."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


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


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited between the listing and the read
        # The command name (field 2) may hold spaces and parentheses: fields start after the last ")".
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_rss(root: int) -> dict[str, float]:
    """Resident memory (MiB) of `root` and every descendant right now, by "pid command"."""
    children = _children_map()
    out: dict[str, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # exited meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                out[f"{pid} {' '.join(cmdline.split()[1:6])}"] = int(line.split()[1]) / 1024
                break
    return out


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every descendant right now, summed, in MiB (Linux /proc)."""
    return sum(tree_rss(root).values())


class TreeRssSampler:
    """Samples the summed RSS of a process tree every `interval` seconds in a daemon thread;
    `.peak_mb` is the highest sum seen (a sampled peak: a spike shorter than the interval can
    be missed, so it reads at or slightly under the true peak)."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        import threading

        self.root, self.interval, self.peak_mb = root, interval, 0.0
        self.peak_by_process: dict[str, float] = {}  # "pid command" -> its own peak
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self._stop = threading.Event()
        self._start = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            by_process = tree_rss(self.root)
            mb = sum(by_process.values())
            for name, value in by_process.items():
                self.peak_by_process[name] = max(value, self.peak_by_process.get(name, 0.0))
            self.samples.append((time.perf_counter() - self._start, mb))
            self.peak_mb = max(self.peak_mb, mb)
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb
