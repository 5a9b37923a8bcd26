"""Warning checks on every ingestion asset: rejected records and schema drift.

The numbers are also in the materialisation metadata (rows_rejected, schema_drift); as asset
checks they show up in the UI and alerting as WARN, without failing the run: the good rows of
the load are in, and the rejected ones wait in raw.<table>__rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg

from ops_metrics.ingestion.extractor import BaseExtractor
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.ingestion.values import row_problem
from ops_metrics.warehouse.io_manager import LoadBatch
from ops_metrics.warehouse.table import TableSpec

NO_REJECTS = "no_rejects"
NO_SCHEMA_DRIFT = "no_schema_drift"


def ingestion_check_specs(key: Sequence[str], table: str) -> list[dg.AssetCheckSpec]:
    asset = dg.AssetKey(list(key))
    return [
        dg.AssetCheckSpec(
            NO_REJECTS,
            asset=asset,
            description=f"No record of the load was rejected (rejects land in {table}__rejects).",
        ),
        dg.AssetCheckSpec(
            NO_SCHEMA_DRIFT,
            asset=asset,
            description="The API sent no unknown field and no expected field went missing.",
        ),
    ]


def ingestion_check_results(
    transformer: DataTransformer[Any], table: str
) -> Iterator[dg.AssetCheckResult]:
    """Call after the output was stored: the stream is consumed, so the counts are final."""
    rejects = transformer.rejects
    reasons = sorted({f"{r.field} {r.reason}" for r in rejects})
    yield dg.AssetCheckResult(
        check_name=NO_REJECTS,
        passed=not rejects,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_rejected": len(rejects),
            "rejects_table": f"{table}__rejects",
            "reasons": ", ".join(reasons[:10]),
            "record_ids": ", ".join(sorted({r.record_id or "<no id>" for r in rejects})[:20]),
        },
    )
    drift = transformer.drift
    yield dg.AssetCheckResult(
        check_name=NO_SCHEMA_DRIFT,
        passed=not drift.has_drift,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "new_fields": ", ".join(sorted(drift.new_fields)),
            "vanished_fields": ", ".join(drift.vanished_fields),
        },
    )


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
