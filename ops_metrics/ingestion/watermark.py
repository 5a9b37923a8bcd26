"""Per-source watermarks, kept in the asset's own materialisation metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import dagster as dg


@dataclass(frozen=True)
class Watermarks:
    watermark: datetime | None = None  # newest updated_at loaded
    loaded_through: datetime | None = None  # end of the newest window loaded completely


def _parse(value: object) -> datetime | None:
    raw = getattr(value, "value", value)
    if not isinstance(raw, str) or not raw:
        return None
    return datetime.fromisoformat(raw)


def latest_watermarks(context: dg.AssetExecutionContext, key: list[str]) -> Watermarks:
    event = context.instance.get_latest_materialization_event(dg.AssetKey(key))
    if event is None or event.asset_materialization is None:
        return Watermarks()
    meta = event.asset_materialization.metadata
    return Watermarks(_parse(meta.get("watermark")), _parse(meta.get("loaded_through")))
