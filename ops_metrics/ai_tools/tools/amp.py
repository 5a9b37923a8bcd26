"""Sourcegraph Amp (docs/vendors/amp.md): an OAuth2 client-credentials token from
`https://auth.ampcode.com/oauth2/token` with scope `amp.api:workspace.analytics:view`, then
`GET /api/v2/workspace/analytics/daily-usage?endDate=<day>&lookbackDays=1`: one window, no paging.

Users come by `user.id`; `user.email` needs the members scope, which we do not ask for (a client
without it would be refused a token), so people are resolved through the org directory
(`amp_user_id`) unless Amp sends the email anyway. Tokens and cost are reported per model: input
counts uncached input plus cache reads and writes (the convention in estimation.py).

The token URL: `AI_TOOLS_AMP_TOKEN_URL` when set; else, when `AI_TOOLS_AMP_BASE_URL` points the
tool at another server (a proxy, a test server), that server's `/oauth2/token`; else Amp's.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
from pydantic import Field

from ops_metrics.ai_tools.adapter import Validated
from ops_metrics.ai_tools.estimation import REPORTED
from ops_metrics.ai_tools.tools._shared import Adapter, Tallies, VendorModel, resolve
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import EnvelopeError, envelope
from ops_metrics.ingestion.errors import ExtractionError
from ops_metrics.ingestion.pagination import SinglePage
from ops_metrics.ingestion.redaction import scrub
from ops_metrics.ingestion.retry import RETRYABLE_STATUS
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource, checked_base_url

TOKEN_URL = "https://auth.ampcode.com/oauth2/token"
TOKEN_PATH = "/oauth2/token"  # on a server standing in for Amp (the simulator, a test server)
TOKEN_URL_ENV = "AI_TOOLS_AMP_TOKEN_URL"
SCOPE = "amp.api:workspace.analytics:view"
SOURCE = "amp"
USAGE_PATH = "/api/v2/workspace/analytics/daily-usage"
MIDNIGHT = datetime.min.time()
# Refresh a little before the stated expiry, so a token never lapses mid-request.
EXPIRY_MARGIN_SECONDS = 60.0


class ClientCredentialsAuth(httpx.Auth):
    """OAuth2 client credentials: fetches a token once, reuses it until it expires, and fetches
    a new one (then retries once) when the API answers 401 anyway (revoked, clock skew)."""

    requires_response_body = True

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str = TOKEN_URL,
        clock: Callable[[], float] = time.monotonic,
        id_env: str = "client id",
        scope: str = SCOPE,
    ) -> None:
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope,
        }
        # Absolute (Amp's auth host) or a path on the API's own server.
        self._token_url = token_url
        self._clock = clock
        self._id_env = id_env
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._valid_token()
        if token is None:
            answer = yield self._token_request(request)
            if answer.status_code in RETRYABLE_STATUS:
                # Ending the flow hands the 429/5xx to the extractor as the request's answer,
                # so the token endpoint gets the same retries and backoff as the data endpoint.
                return
            token = self._store(answer)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            with self._lock:
                self._token = None
            answer = yield self._token_request(request)
            if answer.status_code in RETRYABLE_STATUS:
                return
            request.headers["Authorization"] = f"Bearer {self._store(answer)}"
            yield request

    def _valid_token(self) -> str | None:
        with self._lock:
            return self._token if self._token and self._clock() < self._expires_at else None

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        return httpx.Request("POST", request.url.join(self._token_url), data=self._form)

    def _store(self, response: httpx.Response) -> str:
        if response.status_code != 200:
            hint = f" (check {self._id_env})" if response.status_code in (400, 401) else ""
            raise ExtractionError(
                f"ai_tools/amp: token request answered {response.status_code}{hint}: "
                f"{response.text[:300]}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise ExtractionError(
                f"ai_tools/amp: token request answered a body that is not JSON: "
                f"{response.text[:100]!r}"
            ) from exc
        answer = envelope(body, source=SOURCE, endpoint=str(response.request.url))
        token = answer.require("access_token", str)
        expires_in = float(answer.optional("expires_in", (int, float), default=3600))
        with self._lock:
            self._token = token
            self._expires_at = self._clock() + max(0.0, expires_in - EXPIRY_MARGIN_SECONDS)
            self.tokens_fetched += 1
        return token


class AmpIdentity(VendorModel):
    id: str
    email: str | None = None


class AmpMetrics(VendorModel):
    linesAdded: int | None = None
    usage: float | None = None  # USD
    # Documented but unused here; declared so the drift report shows only genuinely new fields.
    linesDeleted: int | None = None
    linesModified: int | None = None


class AmpModelUsage(VendorModel):
    requests: int = 0
    inputTokens: int = 0  # uncached input only
    outputTokens: int = 0
    cacheReadInputTokens: int = 0
    cacheCreationInputTokens: int = 0
    totalTokens: int | None = None
    usage: float | None = None  # USD, this model's share of metrics.usage

    @property
    def input_all(self) -> int:
        return self.inputTokens + self.cacheReadInputTokens + self.cacheCreationInputTokens


class AmpUserDay(VendorModel):
    user: AmpIdentity
    metrics: AmpMetrics = Field(default_factory=AmpMetrics)
    models: dict[str, AmpModelUsage] = Field(default_factory=dict)


class AmpAdapter(Adapter):
    record_model = AmpUserDay
    id_field = "user"
    directory_key = "amp_user_id"

    def client(self, tool: Tool, sources: SourcesResource) -> httpx.Client:
        id_env, secret_env = tool.credential_envs
        auth = ClientCredentialsAuth(
            sources.secret(id_env),
            sources.secret(secret_env),
            token_url=token_url(tool, sources),
            id_env=f"{id_env} and {secret_env}",
        )
        return sources.tool_client(tool, auth=auth)

    def fetch_day(self, extractor: APIExtractor, day: date) -> Iterator[list[dict[str, Any]]]:
        def users(body: Any) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            for entry in envelope(body, source=SOURCE, endpoint=USAGE_PATH).require("data", list):
                day_entry = envelope(entry, source=SOURCE, endpoint=USAGE_PATH)
                written = day_entry.require("date", str)
                entry_day = entry_date(written)
                people = day_entry.require("users", list)
                if entry_day == day:
                    found += people
                    continue
                # Another day's entry (a window wider than asked): that day's partition loads
                # it; its users are counted as fetched and skipped, never dropped unseen.
                extractor.stats.skip_unread(len(people))
                extractor.log.warning(
                    "%s: %s answered for %s an entry of %s (date %r): its %d users are counted "
                    "as skipped, left to that day's partition",
                    SOURCE,
                    USAGE_PATH,
                    day,
                    entry_day,
                    written,
                    len(people),
                )
            return found

        params = {"endDate": day.isoformat(), "lookbackDays": 1}
        yield from extractor.paginate("GET", USAGE_PATH, SinglePage(), users, params)

    def usage_rows(
        self, tool: Tool, day: date, records: list[Validated], directory: dict[str, str]
    ) -> list[UsageRow]:
        tallies = Tallies()
        for model, raw in records:
            assert isinstance(model, AmpUserDay)
            # The id is the stable identity (the email is shared only by some profiles).
            email = model.user.email or resolve(directory, model.user.id)
            tally = tallies.get_or_add(model.user.id, email)
            models = model.models.values()
            inp = sum(m.input_all for m in models)
            out = sum(m.outputTokens for m in models)
            total = sum(
                m.totalTokens if m.totalTokens is not None else m.input_all + m.outputTokens
                for m in models
            )
            tally.add(
                raw,
                requests=sum(m.requests for m in models),
                accepted_lines=model.metrics.linesAdded,
                input_tokens=inp,
                output_tokens=out,
                reported_tokens=total,
                cost_usd=model.metrics.usage,
            )
        return [t.row(tool, day, REPORTED, REPORTED) for t in tallies.values()]


def entry_date(written: str) -> date:
    """The UTC day of a daily-usage entry's `date`: documented as `YYYY-MM-DD`; an ISO timestamp
    at 00:00 UTC (`2026-01-05T00:00:00Z`, `…T00:00:00.000Z`, naive meaning UTC) names the same
    day. Anything else (unreadable, or a time that is not UTC midnight, which is no one UTC day)
    is not the documented shape: an EnvelopeError naming the field."""
    text = written.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # OverflowError: year 1 moved before UTC's year 1
        moment = None
    if moment is not None and moment.time() == MIDNIGHT:
        return moment.date()
    raise EnvelopeError(
        SOURCE,
        USAGE_PATH,
        "date",
        scrub(f"is {written[:40]!r}, expected a YYYY-MM-DD day or a timestamp at 00:00 UTC"),
    )


def token_url(tool: Tool, sources: SourcesResource) -> str:
    """Where the client-credentials token comes from (see the module doc)."""
    if sources.simulated:
        return TOKEN_PATH
    explicit = os.environ.get(TOKEN_URL_ENV, "").strip()
    if explicit:
        return checked_base_url(TOKEN_URL_ENV, explicit)
    base = os.environ.get(tool.base_url_env, "").strip()
    if base:
        return checked_base_url(tool.base_url_env, base) + TOKEN_PATH
    return TOKEN_URL


ADAPTER = AmpAdapter()
