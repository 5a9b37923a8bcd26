"""What the tool adapters share: record models, UTC days, per-engineer tallies, auth, pacing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict

from ops_metrics.ai_tools.estimation import rule_for
from ops_metrics.ai_tools.identity import org_directory
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.registry import Tool
from ops_metrics.sources import SourcesResource

ActorType = Literal["user", "api"]


class VendorModel(BaseModel):
    """Vendors add fields without notice: accept them (the transformer reports them as drift
    from the raw record, which rows keep as `payload`). They are not copied onto the model:
    nothing reads them there, and copying cost validation time per record (issue 19)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def next_day(day: date) -> date:
    return day + timedelta(days=1)


def utc_day(value: object) -> date:
    """A vendor's day as a UTC date, from `YYYY-MM-DD`, an ISO timestamp (naive means UTC),
    or epoch milliseconds."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC).date()
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        return utc_day(datetime.fromisoformat(text.replace("Z", "+00:00")))
    raise ValueError(f"not a day: {value!r}")


def is_email(value: str | None) -> bool:
    return bool(value) and "@" in str(value)


def resolve(directory: dict[str, str], identity: str | None) -> str | None:
    """The email a directory knows for a vendor identity (keys are lower-cased)."""
    return directory.get(identity.strip().lower()) if identity else None


def plus(current: int | float | None, value: int | float | None) -> Any:
    """NULL-aware sum: NULL means "the tool has no such measure", 0 means "none that day"."""
    if value is None:
        return current
    return value if current is None else current + value


@dataclass
class Tally:
    """One engineer's (or API actor's) day, accumulated over the tool's records."""

    identifier: str
    email: str | None = None
    actor_type: ActorType = "user"
    requests: int | None = None
    sessions: int | None = None
    accepted_lines: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    reported_tokens: int | None = None  # None: no record reported tokens
    estimated_tokens: int | None = None  # None: no record needed an estimate
    cost_usd: float | None = None
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any], **measures: int | float | None) -> None:
        self.records.append(record)
        for name, value in measures.items():
            setattr(self, name, plus(getattr(self, name), value))

    def row(self, tool: Tool, day: date, estimated_rule: str, mixed_rule: str) -> UsageRow:
        reported = self.reported_tokens is not None
        estimated = self.estimated_tokens is not None
        rule = rule_for(reported, estimated, estimated_rule, mixed_rule)
        return UsageRow(
            tool=tool.name,
            usage_date=day,
            engineer_identifier=self.identifier,
            engineer_email=self.email,
            actor_type=self.actor_type,
            requests=self.requests,
            sessions=self.sessions,
            accepted_lines=self.accepted_lines,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            tokens_total=(self.reported_tokens or 0) + (self.estimated_tokens or 0),
            tokens_estimated=estimated,
            estimation_rule=rule,
            # Rounded only to drop float noise from summing many small amounts.
            cost_usd=None if self.cost_usd is None else round(self.cost_usd, 10),
            records=self.records,
        )


class Tallies(dict[str, Tally]):
    """Tallies by identifier, in first-seen order."""

    def get_or_add(
        self, identifier: str, email: str | None, actor_type: ActorType = "user"
    ) -> Tally:
        tally = self.get(identifier)
        if tally is None:
            tally = self[identifier] = Tally(identifier, email, actor_type)
        elif tally.email is None and email:  # an email seen on any record of the day counts
            tally.email = email
        return tally


class Adapter:
    """Defaults of the ToolAdapter protocol: most tools send emails, so need no directory."""

    id_field = "id"
    # The people directory's field that links a person to this tool's identity (`github_login`),
    # for tools that name people by a login or an id; None when the vendor sends emails.
    directory_key: str | None = None

    def directory(self, extractor: APIExtractor, sources: SourcesResource) -> dict[str, str]:
        if self.directory_key is None:
            return {}
        return org_directory(extractor, sources, self.directory_key)

    @staticmethod
    def api_key(tool: Tool, sources: SourcesResource) -> str:
        return sources.secret(tool.api_key_env)

    def bearer_client(
        self, tool: Tool, sources: SourcesResource, headers: dict[str, str] | None = None
    ) -> httpx.Client:
        auth = {"Authorization": f"Bearer {self.api_key(tool, sources)}"}
        return sources.tool_client(tool, headers={**auth, **(headers or {})})


class BearerAuth(httpx.Auth):
    """A bearer token as an httpx.Auth rather than a default header, so a request can opt out
    (`auth=None`), as downloads from pre-signed links on another host must."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class Pacer:
    """Spaces requests at least `interval` seconds apart: a client-side rate limit, installed as
    an httpx request hook. `clock` and `sleep` are injected so tests record waits, never sleep."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.waits: list[float] = []
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> None:
        with self._lock:
            now = self.clock()
            if self._last is not None:
                wait = self._last + self.interval - now
                if wait > 0:
                    self.waits.append(wait)
                    self.sleep(wait)
                    now = max(self.clock(), self._last + self.interval)
            self._last = now
