"""DuckDB's merge memory cap as a starting point, doubled when a load's rows are wider.

The cap (OPS_METRICS_DUCKDB_MEMORY_LIMIT, 64 MB by default) is sized for incident-shaped rows:
DuckDB spills the stage to disk, but a batch's working set must fit. Rows eight times wider (50 kB
payloads, 2,000 to a batch) need more than 64 MB, and a default that fails such a workspace's
every load is a default nobody can run. So a merge that runs out is rolled back and retried from
the spool with the cap doubled, up to `MAX_GROWTH` times the configured cap; only past that does
the load fail, naming the variable. Memory stays small for the common shape and is spent only by
the loads that need it.
"""

from __future__ import annotations

import os
import re

MAX_GROWTH = 16  # 64 MB -> at most 1 GB before the load fails
# DuckDB's threads per merge: one per this much of the cap. Each thread holds its own buffers, and
# under a small cap two threads spill and compress against each other: at 64 MB a 100k-incident
# merge took ~77 us a row on two threads and ~58 on one, the same from 256 MB up
# (docs/benchmarks.md, issue 19). One thread also leaves the other cores to the rest of the run.
BYTES_PER_THREAD = 256 * 1024**2

_UNITS = {"b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib"}  # what DuckDB reads
# DuckDB's units: KB, MB... are powers of 1000, KiB, MiB... of 1024.
_FACTOR = {u: (1024 if "i" in u else 1000) ** "bkmgt".index(u[0]) for u in _UNITS}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)


def threads(cap: str) -> int:
    """DuckDB threads for a merge under `cap`: one per BYTES_PER_THREAD, at least one, at most
    the machine's cores."""
    number, unit = _parse(cap)
    per_cap = int(number * _FACTOR[unit.lower()] // BYTES_PER_THREAD)
    return max(1, min(per_cap, os.cpu_count() or 1))


def size_bytes(size: str) -> int:
    """A size as DuckDB reads it (`64MB`, `96MiB`, `1GB`) in bytes; ValueError if it is none."""
    number, unit = _parse(size)
    return int(number * _FACTOR[unit.lower()])


def _parse(size: str) -> tuple[float, str]:
    match = _SIZE.fullmatch(size.strip())
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a memory size: {size!r}")
    return float(match.group(1)), match.group(2)


def caps(configured: str) -> list[str]:
    """The caps to try in order: the configured one, then doubled (in its own unit: 64MB,
    128MB, 256MB...) up to MAX_GROWTH times it."""
    number, unit = _parse(configured)
    tried, factor = [configured], 2
    while factor <= MAX_GROWTH:
        tried.append(f"{number * factor:g}{unit}")
        factor *= 2
    return tried
