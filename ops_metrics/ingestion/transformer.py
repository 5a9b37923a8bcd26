"""DataTransformer: schema enforcement at the API boundary with pydantic v2 models.

Vendors add fields without notice, so models accept unknown fields; the transformer reports
them (and fields that vanished) as drift instead of failing. A required field that is NULL or
cannot be coerced raises SchemaValidationError naming the record and the field, or, under the
`reject` policy, lands in the source's rejects table: never silently dropped.

The same holds for every other per-record failure: a record that is not an object, an empty
id, a value no warehouse column can hold (an integer beyond 64 bits, a lone surrogate, NaN, JSON
nested too deep) and an implausible timestamp (no UTC instant, before the vendor existed, or a
day into the future: ingestion/values.py). One bad record rejects one record, never the page.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ops_metrics.ingestion.errors import SchemaValidationError
from ops_metrics.ingestion.values import implausible_value, printable, record_json, storable_payload
from ops_metrics.registry import RejectPolicy
from ops_metrics.warehouse.reject import Reject

M = TypeVar("M", bound=BaseModel)


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
        now: datetime | None = None,
    ) -> None:
        self.source = source
        # "Now" for the future-timestamp horizon; injected by tests.
        self.now = now or datetime.now(UTC)
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
        # The last validated record's compact JSON (ingestion/values.py checked it): rows reuse
        # it as their `payload` instead of serialising the record a second time.
        self.last_json = ""

    def validate(self, record: Any) -> M | None:
        """The record as a model, or None when it was rejected under the `reject` policy."""
        if not isinstance(record, dict):
            kind = "null" if record is None else type(record).__name__
            return self._reject(record, None, "<record>", f"is {kind}, not a JSON object")
        keys = set(record)
        self._seen_fields |= keys
        for name in keys - self.known_fields:
            if name not in self.drift.new_fields:
                self.log.warning("%s: schema drift: new field %r", self.source, printable(name))
            self.drift.new_fields[printable(name)] += 1
        record_id = record.get(self.id_field)
        text, problem = record_json(record)
        if problem is None and isinstance(record_id, str) and not record_id.strip():
            problem = (self.id_field, "is empty")
        if problem is not None:
            return self._reject(record, record_id, *problem)
        try:
            model = self.model.model_validate(record)
        except ValidationError as exc:
            err = exc.errors()[0]
            field_name = ".".join(str(p) for p in err["loc"]) or "<record>"
            value = err.get("input")
            reason = "is required but NULL" if value is None else f"is invalid: {err['msg']}"
            return self._reject(record, record_id, field_name, reason, exc)
        except (OverflowError, RecursionError) as exc:  # raised inside a model's own validator
            return self._reject(record, record_id, "<record>", f"is invalid: {exc}", exc)
        problem = implausible_value(model, self.now)
        if problem is not None:
            return self._reject(record, record_id, *problem)
        self.validated += 1
        self.last_json = text
        return model

    def reject(
        self, record: Any, record_id: Any, field_name: str, reason: str, cause: Exception | None
    ) -> None:
        """Reject a record (or a row built from records) that failed after validation, e.g. when
        it was turned into a row; under the `fail` policy this raises instead."""
        self._reject(record, record_id, field_name, reason, cause)

    def _reject(
        self,
        record: Any,
        record_id: Any,
        field_name: str,
        reason: str,
        cause: Exception | None = None,
    ) -> None:
        if record_id is None or isinstance(record_id, str):
            shown_id = None if record_id is None else printable(record_id)
        else:  # an object as id (Claude Code's `actor`): its JSON, readable and storable
            shown_id = storable_payload(record_id)
        error = SchemaValidationError(self.source, shown_id, field_name, reason)
        if self.policy == "fail":
            raise error from cause
        self.rejects.append(Reject(shown_id, field_name, reason, storable_payload(record)))
        self.log.warning("%s", error)
        return None

    def finish(self) -> DriftReport:
        """Close the run: expected fields that no record carried count as vanished."""
        if self.validated or self.rejects:
            self.drift.vanished_fields = sorted(self.expected_fields - self._seen_fields)
        return self.drift
