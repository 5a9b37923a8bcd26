"""Ingestion worker: one load of every incident the simulator serves, in one of three ways.

- `ops`: the product's path as the asset runs it in live mode: SourcesResource(mode="live")
  builds the client from INCIDENT_IO_COMPANYA_BASE_URL, then IncidentExtractor (retries,
  pagination) -> DataTransformer (pydantic) -> incident_row -> the IO manager's chunked
  spool-and-merge (warehouse/chunks.py: each 20,000 rows merged while the fetch goes on).
- `fetch`: the floor: the same pages fetched with httpx and parsed, nothing else.
- `fetch-memory`: the same loop over `benchmarks.fast_server.PageTransport`: the pages as bytes
  in this process, no socket (`--incidents N` builds them before the clock starts; the base URL
  is not contacted). The floor of httpx and JSON alone; its peak RSS includes the pages.
- `dlt`: dlt's rest_api source loading the same pages into DuckDB with merge on `id`.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import cpu_seconds, emit, peak_rss_mb, stopwatch
from ops_metrics.incident_io.assets import BATCH_SIZE
from ops_metrics.incident_io.extractor import IncidentExtractor, filter_params
from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_batches, table_spec
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import INCIDENT_IO_BASE_URL, workspace
from ops_metrics.settings import DEFAULT_DUCKDB_MEMORY_LIMIT
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.base import Progress
from ops_metrics.warehouse.chunks import merged_while_fetching
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.spool import Spool
from ops_metrics.warehouse.table import MergeResult

WINDOW_START = datetime(2024, 12, 1, tzinfo=UTC)  # before the simulated span begins
WINDOW_END = datetime(2027, 1, 2, tzinfo=UTC)  # the simulator's frozen clock
PAGE_SIZE = 250
API_KEY = "sim-incident-io-companya"


def window_params() -> dict[str, Any]:
    # Same strings as IncidentExtractor sends, so the simulator's match cache serves all modes.
    return {
        "page_size": PAGE_SIZE,
        **filter_params(Window(WINDOW_START, WINDOW_END)),
    }


def run_ops(
    base_url: str,
    db: Path,
    merge_memory_limit: str | None = DEFAULT_DUCKDB_MEMORY_LIMIT,
    on_stream_end: Callable[[], None] | None = None,
) -> int:
    """The product's load of every served incident; `merge_memory_limit` is DuckDBWarehouse's
    (the product's default); `on_stream_end` is called once the last batch was fetched, before
    the last chunk's merge (benchmarks.memory_probe marks its phases with it)."""
    ws = workspace("companya")
    os.environ[ws.base_url_env] = base_url
    client = SourcesResource(mode="live").client(
        ws.base_url_env, INCIDENT_IO_BASE_URL, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    log = logging.getLogger("benchmarks")
    extractor = IncidentExtractor("incident_io/companya", client, log=log)
    # "Now" is the simulator's frozen clock: its data is not in the future.
    transformer = DataTransformer("incident_io/companya", Incident, log=log, now=WINDOW_END)

    # The same loop as ops_metrics.incident_io.assets (minus watermark bookkeeping).
    def rows() -> Iterator[list[dict[str, Any]]]:
        with client:
            records = extractor.records(Window(WINDOW_START, WINDOW_END))
            yield from incident_batches(ws, records, transformer, BATCH_SIZE)
        if on_stream_end is not None:
            on_stream_end()

    warehouse = DuckDBWarehouse(path=str(db), merge_memory_limit=merge_memory_limit)
    spec = table_spec(ws)

    def merge(spool: Spool, progress: Progress) -> MergeResult:
        return warehouse.merge(spec, spool, run_id="bench", progress=progress)

    # As the IO manager does it (minus the writer lock: nothing else writes this file).
    with merged_while_fetching(rows(), spec, merge) as (merged, rest):
        result = merged + warehouse.merge(spec, rest, run_id="bench")
    transformer.finish()
    return result.inserted + result.updated + result.unchanged


def run_fetch(base_url: str, transport: httpx.BaseTransport | None = None) -> int:
    params: dict[str, Any] = window_params()
    rows = 0
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=base_url, headers=headers, transport=transport) as c:
        while True:
            body = c.get("/v2/incidents", params=params).json()
            rows += len(body["incidents"])
            after = body["pagination_meta"].get("after")
            if not after:
                return rows
            params["after"] = after


def run_dlt(base_url: str, db: Path) -> int:
    import dlt  # imported by main() before the clock starts; dlt is the optional `bench` extra
    import duckdb
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "auth": {"type": "bearer", "token": API_KEY},
                "paginator": {
                    "type": "cursor",
                    "cursor_path": "pagination_meta.after",
                    "cursor_param": "after",
                },
            },
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                {
                    "name": "incidents",
                    "endpoint": {
                        "path": "v2/incidents",
                        "params": window_params(),
                        "data_selector": "incidents",
                    },
                }
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_incidents",
        pipelines_dir=str(db.parent / "dlt_pipelines"),
        destination=dlt.destinations.duckdb(str(db)),
        dataset_name="raw",
    )
    pipeline.run(source)
    with duckdb.connect(str(db), read_only=True) as con:
        (count,) = con.execute("select count(*) from raw.incidents").fetchone()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ops", "fetch", "fetch-memory", "dlt"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--incidents", type=int, help="fetch-memory: pages to build in memory")
    args = parser.parse_args()
    if args.mode == "dlt":
        import dlt.sources.rest_api  # noqa: F401 - warm the import outside the timing
    transport = None
    if args.mode == "fetch-memory":
        from benchmarks.fast_server import PageTransport, build_pages

        if args.incidents is None:
            parser.error("fetch-memory needs --incidents")
        transport = PageTransport(build_pages(args.incidents))  # outside the timing
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        cpu_start = cpu_seconds()
        with stopwatch() as elapsed:
            if args.mode == "ops":
                rows = run_ops(args.base_url, db)
            elif args.mode in ("fetch", "fetch-memory"):
                rows = run_fetch(args.base_url, transport)
            else:
                rows = run_dlt(args.base_url, db)
        seconds = elapsed()
        cpu = cpu_seconds() - cpu_start  # every thread: the prefetch worker's and DuckDB's too
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    emit(
        {
            "mode": args.mode,
            "rows": rows,
            "seconds": seconds,
            "rows_per_sec": rows / seconds if seconds else 0.0,
            "peak_rss_mb": max(peak_rss_mb(), children),
            "cpu_seconds": cpu,
        }
    )


if __name__ == "__main__":
    main()
