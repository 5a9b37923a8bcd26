"""What holds the memory of a load: the product's path (`benchmarks.ingest ops`, the code the
Dagster step runs, without Dagster) in one process, with its resident memory sampled by phase.

Reports, in MiB: RSS after importing the code location (`ops_metrics.definitions`, as every
Dagster process does), the peak while pages are fetched, validated and staged, the peak during
the merge SQL (after the last batch was staged), and with `--tracemalloc` the peak of memory
Python itself allocated (objects: pages, dicts, models, rows; DuckDB's and Arrow's buffers are
not Python allocations). Run it twice with different `--duckdb-memory-limit`s to see DuckDB's
share. tracemalloc slows the load several times: its timings are not figures.

`python -m benchmarks.memory_probe --base-url URL [--duckdb-memory-limit 128MB] [--tracemalloc]`
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import tracemalloc
from pathlib import Path

from benchmarks.common import emit, peak_rss_mb, stopwatch
from ops_metrics.settings import DEFAULT_DUCKDB_MEMORY_LIMIT


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument(
        "--duckdb-memory-limit",
        default=DEFAULT_DUCKDB_MEMORY_LIMIT,
        help="the product's default unless given; 'none': DuckDB's own",
    )
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    import ops_metrics.definitions  # noqa: F401 - what every Dagster process imports
    from benchmarks.ingest import run_ops

    after_imports = rss_mb()
    phase = ["stream"]
    peaks = {"stream": 0.0, "merge": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peaks[phase[0]] = max(peaks[phase[0]], rss_mb())
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if args.tracemalloc:
        tracemalloc.start()
    limit = None if args.duckdb_memory_limit == "none" else args.duckdb_memory_limit
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as tmp, stopwatch() as elapsed:
        rows = run_ops(
            args.base_url,
            Path(tmp) / "warehouse.duckdb",
            merge_memory_limit=limit,
            on_stream_end=lambda: phase.__setitem__(0, "merge"),
        )
    seconds = elapsed()
    stop.set()
    sampler.join()
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    emit(
        {
            "rows": rows,
            "seconds": seconds,
            "duckdb_memory_limit": args.duckdb_memory_limit,
            "rss_after_imports_mb": after_imports,
            "peak_rss_stream_mb": peaks["stream"],
            "peak_rss_merge_mb": peaks["merge"],
            "peak_rss_mb": peak_rss_mb(),
            "python_traced_peak_mb": python_peak,
        }
    )


if __name__ == "__main__":
    main()
