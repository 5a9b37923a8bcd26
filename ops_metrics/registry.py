"""The one registry of sources.

Assets, schedules, simulators, environment variables and the dbt source lists all derive from
these entries: adding an Incident.io workspace or an AI tool is one entry here (plus, for a tool,
its adapter module and its simulator module, found by the tool's name), never a copy of code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import ClassVar, Literal

_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# What an invalid record does to a load: `reject` lands it in raw.<table>__rejects (with the
# reason, record id, payload and run id) and loads the rest, raising a WARN asset check; `fail`
# fails the partition. `reject` is the default: one vendor record with a NULL field should not
# hold back a day of good data, and nothing is dropped silently either way.
RejectPolicy = Literal["fail", "reject"]
REJECT_POLICIES: tuple[RejectPolicy, ...] = ("fail", "reject")


@dataclass(frozen=True)
class Cadence:
    """When a source family loads and what its downstream promises: the one owner of these
    facts. Partitions, schedules, the dbt selections, source freshness (codegen), mart freshness
    (translator) and the tag config in dbt_project.yml (checked by codegen) all read them."""

    grain: Literal["hourly", "daily"]
    start: date  # first partition (00:00 UTC)
    minute_of_hour: int  # the schedule's tick after a partition closes
    hour_of_day: int | None  # daily only
    # dbt source freshness on raw `_loaded_at`, in hours without a load: (warn, error).
    source_freshness_hours: tuple[int, int]
    # Dagster freshness on the family's marts: (warn, fail).
    mart_freshness: tuple[timedelta, timedelta]
    dbt_tag: str  # selects the family's models (staging/intermediate/marts folders)
    owner: str  # who answers for the family's data in the UI (a Dagster owner)

    @property
    def tick(self) -> str:
        """The schedule's time in words, for descriptions: "hh:mm UTC" or ":mm past the hour"."""
        if self.hour_of_day is None:
            return f":{self.minute_of_hour:02d} past the hour"
        return f"{self.hour_of_day:02d}:{self.minute_of_hour:02d} UTC"


# Five past the hour: the hour just closed is complete at the vendor by then.
INCIDENT_IO_CADENCE = Cadence(
    grain="hourly",
    start=date(2025, 1, 1),
    minute_of_hour=5,
    hour_of_day=None,
    source_freshness_hours=(2, 6),
    mart_freshness=(timedelta(hours=1, minutes=30), timedelta(hours=3)),
    dbt_tag="ops",
    owner="team:incident-response",
)
# 14:30 UTC: vendors have finalised the previous day by then.
AI_TOOLS_CADENCE = Cadence(
    grain="daily",
    start=date(2025, 1, 1),
    minute_of_hour=30,
    hour_of_day=14,
    source_freshness_hours=(26, 50),
    mart_freshness=(timedelta(hours=26), timedelta(hours=48)),
    dbt_tag="ai_telemetry",
    owner="team:developer-productivity",
)

# Family -> cadence, hourly first: a model of both families keeps the stricter promise.
CADENCES: dict[str, Cadence] = {"incident_io": INCIDENT_IO_CADENCE, "ai_tools": AI_TOOLS_CADENCE}


class RegistryError(ValueError):
    """A registry entry is unusable (for example its name is not a safe SQL identifier)."""


def check_identifier(kind: str, name: str, max_length: int = 40) -> str:
    """Names become table names, asset keys and env vars, so only plain identifiers are allowed.
    Registry names stay short (40) because table names are built from them with suffixes."""
    if not _SAFE_NAME.match(name) or len(name) > max_length:
        raise RegistryError(
            f"{kind} name {name!r} is not a safe identifier: use lower-case letters, digits and "
            f"underscores, starting with a letter (at most {max_length} characters)"
        )
    return name


def check_reject_policy(name: str, policy: str) -> None:
    if policy not in REJECT_POLICIES:
        raise RegistryError(
            f"{name}: reject_policy {policy!r} is not one of {', '.join(REJECT_POLICIES)}"
        )


class _Source:
    """What every registry entry derives from its name: env vars, asset key, raw table.
    `family` is the source family (`incident_io`, `ai_tools`), `entity` what one asset holds."""

    family: ClassVar[str]
    entity: ClassVar[str]
    kind: ClassVar[str]
    name: str
    reject_policy: RejectPolicy

    def _validate(self) -> None:
        check_identifier(self.kind, self.name)
        check_reject_policy(self.name, self.reject_policy)

    @property
    def env_prefix(self) -> str:
        return f"{self.family.upper()}_{self.name.upper()}"

    @property
    def api_key_env(self) -> str:
        return f"{self.env_prefix}_API_KEY"

    @property
    def base_url_env(self) -> str:
        return f"{self.env_prefix}_BASE_URL"

    @property
    def live_envs(self) -> tuple[str, ...]:
        """Every variable live mode needs set for this source (base URLs have defaults)."""
        return (self.api_key_env,)

    @property
    def asset_key(self) -> list[str]:
        return [self.family, self.name, self.entity]

    @property
    def raw_table(self) -> str:
        return f"{self.family}__{self.name}__{self.entity}"


@dataclass(frozen=True)
class Workspace(_Source):
    """One Incident.io account. Timestamp names differ per account, so they are configuration."""

    family: ClassVar[str] = "incident_io"
    cadence: ClassVar[Cadence] = INCIDENT_IO_CADENCE
    entity: ClassVar[str] = "incidents"
    kind: ClassVar[str] = "workspace"

    name: str
    detected_timestamp: str
    fixed_timestamp: str | None
    resolved_timestamp: str = "Resolved at"
    closed_timestamp: str = "Closed at"
    reject_policy: RejectPolicy = "reject"

    def __post_init__(self) -> None:
        self._validate()


@dataclass(frozen=True)
class Tool(_Source):
    """One AI developer tool: this entry, its adapter module and its simulator module, found by
    the tool's name (`<adapter_package>.<name>`, `<simulator_package>.<name>`). The adapter knows
    the vendor's API and is imported only when the tool's asset runs; the simulator is imported
    only when simulated mode first serves the tool."""

    family: ClassVar[str] = "ai_tools"
    cadence: ClassVar[Cadence] = AI_TOOLS_CADENCE
    entity: ClassVar[str] = "daily_usage"
    kind: ClassVar[str] = "tool"

    name: str
    vendor: str
    default_base_url: str
    credential_envs: tuple[str, ...] = field(default=())
    reject_policy: RejectPolicy = "reject"
    # The vendor's availability window: the first day it serves (None: no documented start) and
    # how many days back from today it still serves (None: no rolling limit). A day outside it
    # is skipped by the tool's asset with a warning, never requested (see README, "Availability").
    available_from: date | None = None
    max_days_back: int | None = None
    # Variables live mode needs besides the credentials (not secret), e.g. Copilot's org.
    setting_envs: tuple[str, ...] = field(default=())
    # Where the tool's modules are found by its name; a tool kept outside this package (a test's,
    # a plugin's) names its own packages.
    adapter_package: str = "ops_metrics.ai_tools.tools"
    simulator_package: str = "ops_metrics.simulators.ai_tools"

    def __post_init__(self) -> None:
        self._validate()

    @property
    def adapter_module(self) -> str:
        return f"{self.adapter_package}.{self.name}"

    @property
    def simulator_module(self) -> str:
        return f"{self.simulator_package}.{self.name}"

    @property
    def secret_envs(self) -> tuple[str, ...]:
        """Every variable that holds a credential for this tool."""
        return self.credential_envs or (self.api_key_env,)

    def unavailable(self, day: date, today: date) -> str | None:
        """Why the vendor cannot serve `day` (as of `today`, UTC), or None when it can."""
        if self.available_from is not None and day < self.available_from:
            return (
                f"{self.vendor} serves days from {self.available_from.isoformat()} on; "
                f"{day.isoformat()} is before that"
            )
        if self.max_days_back is not None and day < today - timedelta(days=self.max_days_back):
            return (
                f"{self.vendor} serves at most {self.max_days_back} days back; "
                f"{day.isoformat()} is older than that as of {today.isoformat()}"
            )
        return None

    @property
    def live_envs(self) -> tuple[str, ...]:
        return self.secret_envs + self.setting_envs


WORKSPACES: tuple[Workspace, ...] = (
    Workspace("companya", detected_timestamp="Impact start", fixed_timestamp="Fixed at"),
    Workspace("companyb", detected_timestamp="Identified at", fixed_timestamp="Fixed at"),
    Workspace("companyc", detected_timestamp="Detected at", fixed_timestamp=None),
)

TOOLS: tuple[Tool, ...] = (
    Tool("llm_gateway", "LiteLLM proxy", "http://localhost:4000"),
    Tool("claude_code", "Anthropic Claude Code Analytics", "https://api.anthropic.com"),
    Tool("cursor", "Cursor Admin API", "https://api.cursor.com"),
    # Usage-metrics reports exist from 2025-10-10 and reach back at most one year (GitHub REST
    # docs, "Copilot usage metrics"; docs/vendors/github_copilot.md).
    Tool(
        "github_copilot",
        "GitHub Copilot usage metrics",
        "https://api.github.com",
        available_from=date(2025, 10, 10),
        max_days_back=365,
        setting_envs=("AI_TOOLS_GITHUB_COPILOT_ORG",),
    ),
    Tool(
        "amp",
        "Sourcegraph Amp",
        "https://ampcode.com",
        credential_envs=("AI_TOOLS_AMP_CLIENT_ID", "AI_TOOLS_AMP_CLIENT_SECRET"),
    ),
    Tool("openai", "OpenAI organization usage", "https://api.openai.com"),
    Tool("chat_assistant", "internal chat assistant", "http://localhost:8088"),
)

INCIDENT_IO_BASE_URL = "https://api.incident.io"


def workspace(name: str) -> Workspace:
    for ws in WORKSPACES:
        if ws.name == name:
            return ws
    known = ", ".join(w.name for w in WORKSPACES)
    raise RegistryError(f"unknown Incident.io workspace {name!r} (known: {known})")


def tool(name: str) -> Tool:
    for t in TOOLS:
        if t.name == name:
            return t
    known = ", ".join(t.name for t in TOOLS)
    raise RegistryError(f"unknown AI tool {name!r} (known: {known})")


def _check_unique() -> None:
    for kind, names in (
        ("workspace", [w.name for w in WORKSPACES]),
        ("tool", [t.name for t in TOOLS]),
    ):
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise RegistryError(f"duplicate {kind} names in the registry: {sorted(dupes)}")


_check_unique()
