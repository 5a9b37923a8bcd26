"""GitHub Copilot usage metrics (docs/vendors/github_copilot.md):
`GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=` answers `{download_links, report_day}`:
expiring absolute URLs, each an NDJSON file of one record per user. Bearer token plus
`X-GitHub-Api-Version: 2022-11-28`. Reports exist from 2025-10-10 and at most one year back: the
registry declares that window and the asset skips days outside it.

People come as `user_login`, resolved to email through the org directory. Tokens: CLI usage is
reported (`totals_by_cli.token_usage`); IDE completions are estimated from accepted lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import Field

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import (
    RULE_ACCEPTED_LINES,
    RULE_COPILOT_CLI_PLUS_IDE,
    accepted_line_tokens,
)
from ops_metrics.ai_tools.tools._shared import (
    Adapter,
    BearerAuth,
    Tallies,
    VendorModel,
    resolve,
    utc_day,
)
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import envelope
from ops_metrics.ingestion.errors import MalformedBody
from ops_metrics.ingestion.pagination import SinglePage
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

API_VERSION = "2022-11-28"
ORG_ENV = "AI_TOOLS_GITHUB_COPILOT_ORG"
REPORT_PATH = "copilot/metrics/reports/users-1-day"  # relative to the org's URL
SOURCE = "github_copilot"


class TokenUsage(VendorModel):
    prompt_tokens_sum: int = 0
    output_tokens_sum: int = 0
    avg_tokens_per_request: float | None = None


class CliTotals(VendorModel):
    session_count: int = 0
    request_count: int = 0
    prompt_count: int | None = None
    token_usage: TokenUsage | None = None


class CopilotUserDay(VendorModel):
    day: date
    user_login: str
    user_id: int | None = None
    user_initiated_interaction_count: int = 0
    loc_added_sum: int = 0
    used_cli: bool = False
    totals_by_cli: CliTotals | None = None
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    code_generation_activity_count: int | None = None
    code_acceptance_activity_count: int | None = None
    loc_suggested_to_add_sum: int | None = None
    loc_deleted_sum: int | None = None
    used_agent: bool | None = None
    used_chat: bool | None = None
    totals_by_ide: list[dict[str, Any]] = Field(default_factory=list)
    totals_by_feature: list[dict[str, Any]] = Field(default_factory=list)
    enterprise_id: str | None = None
    loc_suggested_to_delete_sum: int | None = None
    totals_by_language_feature: list[dict[str, Any]] = Field(default_factory=list)
    totals_by_language_model: list[dict[str, Any]] = Field(default_factory=list)
    totals_by_model_feature: list[dict[str, Any]] = Field(default_factory=list)
    # In later revisions of GitHub's example schema.
    ai_credits_used: float | None = None
    ai_adoption_phase: dict[str, Any] | None = None
    totals_by_copilot_app: dict[str, Any] | None = None
    totals_by_3rd_party_agent: list[dict[str, Any]] = Field(default_factory=list)


def parse_ndjson(source: str, url: str, text: str) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MalformedBody(f"{source}: {url} line {number} is not JSON: {exc}") from exc
        if not isinstance(record, dict):
            raise MalformedBody(
                f"{source}: {url} line {number} is {type(record).__name__}, not a record"
            )
        records.append(record)
    return records


class GithubCopilotAdapter(Adapter):
    record_model = CopilotUserDay
    id_field = "user_login"
    directory_key = "github_login"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        token = self.api_key(tool, sources)
        org = sources.secret(ORG_ENV)  # live mode: required, the error names it
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        client = sources.tool_client(tool, headers=headers, auth=BearerAuth(token))
        # The client carries the account scope (the org) as it carries the key, so fetch_day
        # needs no settings; joining keeps a GitHub Enterprise path prefix (.../api/v3/).
        client.base_url = client.base_url.join(f"orgs/{quote(org, safe='')}/")
        return client

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        def links(body: Any) -> list[dict[str, Any]]:
            answer = envelope(body, source=SOURCE, endpoint=REPORT_PATH)
            return [{"url": link} for link in answer.require("download_links", list)]

        reports = extractor.paginate(
            "GET", REPORT_PATH, SinglePage(), links, {"day": day.isoformat()}
        )
        for links in reports:
            for link in links:
                # Pre-signed blob URLs on another host: never send them the GitHub token.
                # A download cut short is asked again, like any transient failure.
                yield extractor.request_parsed(
                    "GET",
                    link["url"],
                    lambda r, url=link["url"]: parse_ndjson(extractor.source, url, r.text),
                    auth=None,
                )

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, CopilotUserDay)
            if utc_day(model.day) != day:
                continue
            login = model.user_login
            tally = tallies.get_or_add(login, resolve(directory, login))
            cli = model.totals_by_cli
            usage = cli.token_usage if cli else None
            lines = model.loc_added_sum
            measures: dict[str, int | float | None] = {
                "requests": model.user_initiated_interaction_count
                + (cli.request_count if cli else 0),
                "sessions": cli.session_count if cli else None,
                "accepted_lines": lines,
            }
            if usage is not None:
                measures |= {
                    "input_tokens": usage.prompt_tokens_sum,
                    "output_tokens": usage.output_tokens_sum,
                    "reported_tokens": usage.prompt_tokens_sum + usage.output_tokens_sum,
                }
            # IDE completions are estimated; a CLI-only day (no accepted lines) is all reported.
            if usage is None or lines > 0:
                measures["estimated_tokens"] = accepted_line_tokens(lines)
            tally.add(raw, **measures)
        return [
            t.row(tool, day, RULE_ACCEPTED_LINES, RULE_COPILOT_CLI_PLUS_IDE)
            for t in tallies.values()
        ]


ADAPTER = GithubCopilotAdapter()
