"""DataTransformer: schema enforcement at the API boundary with pydantic v2 models.

Vendors add fields without notice, so models accept unknown fields; the transformer reports
them (and fields that vanished) as drift instead of failing. A required field that is NULL or
cannot be coerced raises SchemaValidationError naming the record and the field, or, under the
`reject` policy, lands in the source's rejects table: never silently dropped.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ops_metrics.ingestion.errors import SchemaValidationError

M = TypeVar("M", bound=BaseModel)
RejectPolicy = Literal["fail", "reject"]


@dataclass(frozen=True)
class Reject:
    record_id: str | None
    field: str
    reason: str
    payload: str


@dataclass
class DriftReport:
    new_fields: Counter[str] = field(default_factory=Counter)
    vanished_fields: list[str] = field(default_factory=list)

    @property
    def has_drift(self) -> bool:
        return bool(self.new_fields or self.vanished_fields)

    def as_metadata(self) -> dict[str, Any]:
        return {"new_fields": dict(self.new_fields), "vanished_fields": self.vanished_fields}


class DataTransformer(Generic[M]):
    def __init__(
        self,
        source: str,
        model: type[M],
        id_field: str = "id",
        policy: RejectPolicy = "fail",
        log: logging.Logger | None = None,
    ) -> None:
        self.source = source
        self.model = model
        self.id_field = id_field
        self.policy = policy
        self.log = log or logging.getLogger(f"ops_metrics.{source}")
        self.known_fields = {f.alias or name for name, f in model.model_fields.items()}
        # Optional fields come and go record by record; only fields a model marks as always
        # present (`expected_fields`, else its required fields) count as vanished.
        self.expected_fields = set(
            getattr(model, "expected_fields", None)
            or {f.alias or n for n, f in model.model_fields.items() if f.is_required()}
        )
        self.drift = DriftReport()
        self.rejects: list[Reject] = []
        self._seen_fields: set[str] = set()
        self.validated = 0

    def validate(self, record: dict[str, Any]) -> M | None:
        """The record as a model, or None when it was rejected under the `reject` policy."""
        keys = set(record)
        self._seen_fields |= keys
        for name in keys - self.known_fields:
            if name not in self.drift.new_fields:
                self.log.warning("%s: schema drift: new field %r", self.source, name)
            self.drift.new_fields[name] += 1
        try:
            model = self.model.model_validate(record)
        except ValidationError as exc:
            err = exc.errors()[0]
            field_name = ".".join(str(p) for p in err["loc"]) or "<record>"
            value = err.get("input")
            reason = "is required but NULL" if value is None else f"is invalid: {err['msg']}"
            record_id = record.get(self.id_field)
            error = SchemaValidationError(self.source, _str_or_none(record_id), field_name, reason)
            if self.policy == "fail":
                raise error from exc
            self.rejects.append(
                Reject(_str_or_none(record_id), field_name, reason, json.dumps(record, default=str))
            )
            self.log.warning("%s", error)
            return None
        self.validated += 1
        return model

    def finish(self) -> DriftReport:
        """Close the run: expected fields that no record carried count as vanished."""
        if self.validated or self.rejects:
            self.drift.vanished_fields = sorted(self.expected_fields - self._seen_fields)
        return self.drift


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
