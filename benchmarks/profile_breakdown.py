"""Where a profiled run's time went: py-spy's collapsed stacks sorted into the stages of
ingestion (HTTP, JSON parse, validation, row building, staging, merge, Dagster, start-up).

py-spy samples every non-idle thread of every process (`record --subprocesses`, 100 Hz), so the
prefetch thread's HTTP and JSON work is counted as well as the main thread's; a thread blocked
on a lock, a queue or a socket is idle and not sampled, except a timed wait (the prefetch
worker's `queue.put(timeout=...)`), which py-spy sees as busy: those samples are "waiting". Each sample goes to one category: the
first rule that matches, looking from the innermost frame outwards, so JSON decoding inside
httpx is "JSON parse" and `context.log.info` called from the merge is "Dagster". A stack that
is importing a module anywhere is "start-up (imports)".

`python -m benchmarks.profile_breakdown STACKS.txt` prints the table as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT

CATEGORIES = (
    "HTTP (httpx, sockets, paging)",
    "JSON parse",
    "validation (pydantic)",
    "row building (incident_row)",
    "staging (normalise, Arrow, insert into the stage)",
    "merge (dedup, classify, insert, commit, checkpoint)",
    "Dagster: storing run events (materializations, planned, logs)",
    "Dagster: other run and step machinery",
    "start-up (imports)",
    "waiting (prefetch worker on a full queue, polling locks)",
    "no Python frame (interpreter start and exit, native code)",
    "other",
)
(HTTP, JSON_PARSE, VALIDATION, ROWS, STAGING, MERGE, DAGSTER_EVENTS, DAGSTER) = CATEGORIES[:8]
STARTUP, WAITING, NATIVE, OTHER = CATEGORIES[8:]

# `process PID:"command line"` frames lead each stack (nested for child processes); a command
# line may itself hold ";", so they are matched whole rather than split on ";".
_PROCESSES = re.compile(r'^(?:process \d+:"[^"]*";?)+')
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_DUCKDB_WAREHOUSE = "ops_metrics/warehouse/base.py"  # the one stage-and-merge skeleton


@cache
def _stage_lines() -> tuple[int, int]:
    """Lines of the merge skeleton's staging loop (StageAndMergeWarehouse.merge): `for rows in batches:` up to the dedup.
    Read from the source so the split follows the code as it changes."""
    lines = (REPO_ROOT / _DUCKDB_WAREHOUSE).read_text().splitlines()
    start = next(n for n, text in enumerate(lines, 1) if "for rows in batches:" in text)
    end = next(n for n, text in enumerate(lines, 1) if n > start and "dedup_stage" in text)
    return start, end


def _frame_category(func: str, file: str, line: int | None) -> str | None:
    """A frame's category, or None to look at its caller. `func` is py-spy's name, qualified
    by its class ("DuckDBWarehouse.merge")."""
    func = func.rsplit(".", 1)[-1]
    if file.endswith(("threading.py", "queue.py")) and func in ("wait", "get", "put", "acquire"):
        return WAITING  # py-spy counts a timed wait as busy; it is no work
    if file.endswith("json/decoder.py") or (file.endswith("json/__init__.py") and func == "loads"):
        return JSON_PARSE
    if file.endswith(("json/encoder.py", "json/__init__.py")) or file.startswith("logging/"):
        return None  # encoding and logging belong to whoever called them
    if file.endswith(("ops_metrics/incident_io/rows.py", "ops_metrics/incident_io/assets.py")):
        return ROWS  # incident_row, and the asset's own loop over records that calls it
    if "pydantic" in file or file.endswith("ops_metrics/ingestion/transformer.py"):
        return VALIDATION
    if file.endswith(_DUCKDB_WAREHOUSE):
        if func == "merge" and line is not None:
            start, end = _stage_lines()
            return STAGING if start <= line < end else MERGE
        return MERGE  # connect (close = checkpoint), _ensure_table, the SQL builders
    if "ops_metrics/warehouse/" in file or file.startswith("pyarrow/"):
        return STAGING  # normalise(), Arrow tables
    if file.startswith(("httpx/", "httpcore/", "h11/", "anyio/", "ssl.py", "socket.py")):
        return HTTP
    if file.endswith("ops_metrics/ingestion/json_fast.py"):
        # Issue 19: pages parse in pydantic-core (no Python frame below `loads`); `compact`
        # writes each record's payload text for the transformer's checks.
        return JSON_PARSE if func == "loads" else VALIDATION
    if file.endswith("ops_metrics/ingestion/values.py"):
        return VALIDATION  # the transformer's per-record value checks
    if "ops_metrics/ingestion/" in file or file.endswith("ops_metrics/incident_io/extractor.py"):
        return HTTP  # pagination, retries, prefetch: the client side of fetching
    if file.startswith(
        ("dagster/", "dagster_shared/", "sqlalchemy/", "sqlite3/", "multiprocessing/")
    ):
        return DAGSTER  # multiprocessing: the executor's step process and its event queue
    return None


def _parse(frame: str) -> tuple[str, str, int | None]:
    match = _FRAME.match(frame)
    if not match:
        return frame, "", None
    line = match.group("line")
    return match.group("func"), match.group("file"), int(line) if line else None


def categorise(stack: list[str]) -> str:
    """One sample's category; `stack` is outermost frame first, as py-spy writes it."""
    frames = [_parse(f) for f in stack if not f.startswith(("process ", "thread "))]
    if not frames:
        return NATIVE
    if any(file.startswith("<frozen importlib") for _, file, _ in frames):
        return STARTUP
    for func, file, line in reversed(frames):
        found = _frame_category(func, file, line)
        if found == DAGSTER and any(f.endswith("store_event") for f, _, _ in frames):
            return DAGSTER_EVENTS  # one event per partition: the backfill's fixed cost
        if found:
            return found
    return OTHER


def breakdown(stacks: str) -> dict[str, Any]:
    """{"samples": N, "seconds": {category: s}, "share": {category: fraction}, "processes": ...}
    from py-spy's raw output (`stack count` per line; 100 samples = 1 s of one busy thread)."""
    counts: Counter[str] = Counter()
    by_process: Counter[str] = Counter()
    for line in stacks.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        match = _PROCESSES.match(stack)
        processes = match.group(0) if match else ""
        frames = [f for f in stack[len(processes) :].split(";") if f]
        counts[categorise(frames)] += int(count)
        innermost = processes.rstrip(";").rsplit("process ", 1)[-1]
        by_process[_process_label(innermost)] += int(count)
    total = sum(counts.values())
    return {
        "samples": total,
        "seconds": {c: counts[c] / 100 for c in CATEGORIES},
        "share": {c: (counts[c] / total if total else 0.0) for c in CATEGORIES},
        "processes": {p: n / 100 for p, n in by_process.most_common()},
    }


def _process_label(process: str) -> str:
    if "multiprocessing.spawn" in process:
        return "step process (Dagster's multiprocess executor)"
    if "asset materialize" in process:
        return "`dagster asset materialize` (the CLI and run coordinator)"
    return "other processes"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stacks", type=Path)
    args = parser.parse_args()
    print(json.dumps(breakdown(args.stacks.read_text()), indent=2))


if __name__ == "__main__":
    main()
