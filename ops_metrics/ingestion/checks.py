"""Warning checks on every ingestion asset: rejected records and schema drift.

The numbers are also in the materialisation metadata (rows_rejected, schema_drift); as asset
checks they show up in the UI and alerting as WARN, without failing the run: the good rows of
the load are in, and the rejected ones wait in raw.<table>__rejects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg

from ops_metrics.ingestion.transformer import DataTransformer

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
