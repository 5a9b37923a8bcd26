"""The common row every tool produces: one per tool x engineer x day."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, SkipValidation

from ops_metrics.registry import Tool
from ops_metrics.warehouse.table import Column, TableSpec

COLUMNS = (
    Column("tool", "varchar"),
    Column("usage_date", "date"),
    Column("engineer_identifier", "varchar"),
    Column("engineer_email", "varchar"),
    Column("identity_resolved", "boolean"),
    Column("actor_type", "varchar"),
    Column("requests", "bigint"),
    Column("sessions", "bigint"),
    Column("accepted_lines", "bigint"),
    Column("input_tokens", "bigint"),
    Column("output_tokens", "bigint"),
    Column("tokens_total", "bigint"),
    Column("tokens_estimated", "boolean"),
    Column("estimation_rule", "varchar"),
    Column("cost_usd", "double"),
    Column("payload", "json"),
    Column("_extracted_at", "timestamp"),
)


def table_spec(tool: Tool) -> TableSpec:
    return TableSpec(
        "raw",
        tool.raw_table,
        COLUMNS,
        ("tool", "usage_date", "engineer_identifier"),
        "_extracted_at",
    )


class UsageRow(BaseModel):
    tool: str
    usage_date: date
    engineer_identifier: str = Field(min_length=1)
    engineer_email: str | None = None
    actor_type: str = "user"
    requests: int | None = None
    sessions: int | None = None
    accepted_lines: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_total: int
    tokens_estimated: bool
    estimation_rule: str
    cost_usd: float | None = None
    # The vendor records the row was built from, as they came (never copied): read_day counts a
    # record used once by identity, however many rows carry it (OpenAI's shared day cost).
    records: SkipValidation[list[dict[str, Any]]] = Field(default_factory=list)

    def as_row(self, extracted_at: datetime) -> dict[str, Any]:
        row = self.model_dump(exclude={"records"})
        row["engineer_email"] = self.engineer_email.strip().lower() if self.engineer_email else None
        row["identity_resolved"] = self.engineer_email is not None
        row["payload"] = json.dumps(
            self.records, separators=(",", ":"), sort_keys=True, default=str
        )
        row["_extracted_at"] = extracted_at
        return row
