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

import re

MAX_GROWTH = 16  # 64 MB -> at most 1 GB before the load fails

_UNITS = {"b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib"}  # what DuckDB reads
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)


def caps(configured: str) -> list[str]:
    """The caps to try in order: the configured one, then doubled (in its own unit: 64MB,
    128MB, 256MB...) up to MAX_GROWTH times it."""
    match = _SIZE.fullmatch(configured.strip())
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a memory size: {configured!r}")
    number, unit = float(match.group(1)), match.group(2)
    tried, factor = [configured], 2
    while factor <= MAX_GROWTH:
        tried.append(f"{number * factor:g}{unit}")
        factor *= 2
    return tried
