"""The vendors' documented examples (ops_metrics_tests/fixtures/vendors/<tool>/*.json) as an
httpx transport, and one tool-day read through an adapter against them, as the asset reads it.

The transport answers a request with the example whose method and path match (and whose
`request.query`, when given, the request carries); anything else is a 404, as a vendor answers
an unknown route. It holds no simulator code: only what the vendors published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from ops_metrics.ai_tools.adapter import ToolAdapter, load_adapter, read_day
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import Tool

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vendors"
BASE_URL = "https://vendor.example"


@dataclass(frozen=True)
class Example:
    name: str
    data: dict[str, Any]

    @property
    def request(self) -> dict[str, Any]:
        return self.data["request"]

    @property
    def body(self) -> Any:
        return self.data["response"].get("body")

    @property
    def expect(self) -> dict[str, Any] | None:
        return self.data.get("expect")


def examples(tool: str) -> dict[str, Example]:
    """The tool's documented examples by file name (without `.json`)."""
    return {
        path.stem: Example(path.stem, json.loads(path.read_text()))
        for path in sorted((FIXTURES / tool).glob("*.json"))
    }


def _matches(example: Example, request: httpx.Request) -> bool:
    wanted = example.request
    if wanted["method"].upper() != request.method or wanted["path"] != request.url.path:
        return False
    query = wanted.get("query") or {}
    return all(request.url.params.get(k) == str(v) for k, v in query.items())


def transport(*served: Example) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        for example in served:
            if _matches(example, request):
                response = example.data["response"]
                headers = response.get("headers") or {}
                if "body" in response:
                    return httpx.Response(
                        response["status"], headers=headers, json=response["body"]
                    )
                return httpx.Response(response["status"], headers=headers, text=response["text"])
        return httpx.Response(404, json={"error": f"no documented example for {request.url}"})

    return httpx.MockTransport(answer)


def read(
    tool: Tool,
    day: date,
    *served: Example,
    client: httpx.Client | None = None,
    adapter: ToolAdapter | None = None,
    directory: dict[str, str] | None = None,
) -> list[UsageRow]:
    """One day of `tool` read from the documented examples (adapter -> extractor -> transformer);
    the transformer fails on an invalid record, so an example the adapter rejects fails here."""
    adapter = adapter or load_adapter(tool)
    client = client or httpx.Client(base_url=BASE_URL, transport=transport(*served))
    extractor = APIExtractor(tool.name, client, retry=RetryPolicy(sleep=lambda _: None))
    transformer = DataTransformer(tool.name, adapter.record_model, adapter.id_field)
    with client:
        rows = read_day(adapter, tool, extractor, transformer, day, directory or {})
    drift = transformer.finish()
    assert not drift.new_fields, f"documented fields missing from the model: {drift.new_fields}"
    return rows


def check_expected(rows: list[UsageRow], example: Example) -> None:
    """Every value the example's `expect` names comes out of the adapter, row for row."""
    expect = example.expect
    assert expect is not None, f"{example.name} has no expect"
    got = {r.engineer_identifier: r for r in rows}
    wanted = {row["engineer_identifier"]: row for row in expect["rows"]}
    assert set(got) == set(wanted), example.name
    for identifier, fields in wanted.items():
        row = got[identifier].model_dump()
        assert str(row["usage_date"]) == expect["day"]
        for name, value in fields.items():
            if isinstance(value, float):
                assert row[name] == value or abs(row[name] - value) < 1e-9, (identifier, name)
            else:
                assert row[name] == value, (example.name, identifier, name, row[name])
