"""What each step of an incident load costs per row, one step at a time, on one thread.

A profile of the real run (benchmarks.profile_breakdown) shows where the busy seconds went, but
two threads contend for one interpreter lock there and py-spy counts a thread waiting for it as
busy. Here the same steps run one after another on pages fetched beforehand from a
`benchmarks.fast_server`, each timed on its own with the collector off (as during a load:
ingestion/gc_pause.py): parse, validation (the transformer: payload text, model, typed-value
checks), row building, the last row guard, the spool's Arrow conversion, and the merge of the
spooled rows into a fresh DuckDB file. Their sum is the work a row costs; the load's wall clock
is that work minus what the prefetch thread overlaps, plus waits.

`python -m benchmarks.stage_costs --base-url http://127.0.0.1:PORT [--pages 100]`
"""

from __future__ import annotations

import argparse
import gc
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import emit
from benchmarks.fast_server import API_KEY, PAGE_SIZE, PATH
from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_row, table_spec
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.ingestion.values import loads_bounded, row_problem
from ops_metrics.registry import workspace
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.spool import Spool

NOW = datetime(2027, 1, 2, tzinfo=UTC)  # the fast server's incidents are all before it


def fetch(base_url: str, pages: int) -> list[bytes]:
    bodies: list[bytes] = []
    params: dict[str, Any] = {"page_size": PAGE_SIZE}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as c:
        while len(bodies) < pages:
            body = c.get(PATH, params=params).content
            bodies.append(body)
            after = loads_bounded(body)["pagination_meta"].get("after")
            if not after:
                break
            params["after"] = after
    return bodies


def measure(bodies: list[bytes]) -> dict[str, Any]:
    ws = workspace("companya")
    spec = table_spec(ws)
    transformer = DataTransformer(
        "incident_io/companya", Incident, log=logging.getLogger("bench"), now=NOW
    )
    spent: Counter[str] = Counter()
    clock = time.perf_counter
    rows: list[dict[str, Any]] = []
    gc.disable()
    try:
        for body in bodies:
            start = clock()
            page = loads_bounded(body)["incidents"]
            spent["parse"] += clock() - start
            for record in page:
                t0 = clock()
                model = transformer.validate(record)
                t1 = clock()
                row = incident_row(ws, model, record, transformer.last_json)
                t2 = clock()
                row_problem(row, spec.columns)
                t3 = clock()
                spent["validation"] += t1 - t0
                spent["row building"] += t2 - t1
                spent["row guard"] += t3 - t2
                rows.append(row)
            start = clock()
            del page  # freeing the parsed page is part of parsing it
            spent["parse"] += clock() - start
    finally:
        gc.enable()
    with (
        tempfile.TemporaryDirectory(prefix="bench_stage_costs_") as tmp,
        open(Path(tmp) / "spool", "w+b") as file,
    ):
        spool = Spool(file, spec)
        start = clock()
        for i in range(0, len(rows), 2000):
            spool.write(rows[i : i + 2000])
        spent["spool (Arrow)"] += clock() - start
        rows.clear()
        warehouse = DuckDBWarehouse(path=str(Path(tmp) / "warehouse.duckdb"))
        start = clock()
        result = warehouse.merge(spec, spool, run_id="bench")
        spent["merge (DuckDB)"] += clock() - start
    n = result.inserted
    per_row = {step: seconds / n * 1e6 for step, seconds in spent.items()}
    return {"rows": n, "us_per_row": per_row, "total_us_per_row": sum(per_row.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()
    emit(measure(fetch(args.base_url, args.pages)))


if __name__ == "__main__":
    main()
