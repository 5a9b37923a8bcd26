"""What an ingestion asset yields: the load for the stage-and-merge IO manager, then its checks.

Every source builds its outputs here, so the metadata (fetched, skipped, drift) and the rows a
column cannot hold are handled the same way for all of them. The checks themselves are in
checks.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg

from ops_metrics.ingestion.checks import ingestion_check_results
from ops_metrics.ingestion.extractor import BaseExtractor
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.ingestion.values import row_problem
from ops_metrics.warehouse.io_manager import LoadBatch
from ops_metrics.warehouse.table import TableSpec


def extraction_metadata(
    extractor: BaseExtractor, transformer: DataTransformer[Any]
) -> dict[str, Any]:
    """What every source reports about its extraction; call once the stream is consumed."""
    drift = transformer.finish()
    return {
        "api_requests": extractor.stats.requests,
        "api_retries": extractor.stats.retries,
        "records_fetched": extractor.stats.records,
        # Valid records no row used (another UTC day): fetched = used + rejected + skipped.
        "records_skipped": extractor.stats.skipped,
        "schema_drift": drift.as_metadata(),
        "schema_drift_fields": len(drift.new_fields) + len(drift.vanished_fields),
    }


def storable_rows(
    spec: TableSpec, rows: Iterator[list[dict[str, Any]]], transformer: DataTransformer[Any]
) -> Iterator[list[dict[str, Any]]]:
    """`rows` without the rows a column cannot hold, each rejected under its key instead: the
    last guard before staging, where a value built from several valid records (a day's token
    sum beyond BIGINT) would otherwise fail the whole load."""
    for batch in rows:
        good = []
        for row in batch:
            problem = row_problem(row, spec.columns)
            if problem is None:
                good.append(row)
                continue
            key = "/".join(str(row.get(k)) for k in spec.primary_key)
            transformer.reject(row, key, *problem, None)
        yield good


def load_outputs(
    spec: TableSpec,
    rows: Iterator[list[dict[str, Any]]],
    extractor: BaseExtractor,
    transformer: DataTransformer[Any],
    source_metadata: Callable[[], dict[str, Any]],
) -> Iterator[dg.Output[LoadBatch] | dg.AssetCheckResult]:
    """An ingestion asset's events: the load for the stage-and-merge IO manager, then its checks.

    The IO manager stores the output (consuming the stream) before this generator resumes, so
    the metadata and the checks see the final counts."""

    def metadata() -> dict[str, Any]:
        return {**source_metadata(), **extraction_metadata(extractor, transformer)}

    batches = storable_rows(spec, rows, transformer)
    yield dg.Output(
        LoadBatch(spec, batches, metadata=metadata, rejects=lambda: transformer.rejects)
    )
    yield from ingestion_check_results(transformer, spec.qualified)
