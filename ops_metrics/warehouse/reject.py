"""A rejected record, as it lands in raw.<table>__rejects.

Below both its producer (ingestion/transformer.py) and its writer (warehouse/io_manager.py), so
each imports it downward.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reject:
    record_id: str | None
    field: str
    reason: str
    payload: str
