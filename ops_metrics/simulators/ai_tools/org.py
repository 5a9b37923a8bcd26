"""The simulated engineering org: one population of engineers shared by every AI-tool simulator.

Everything derives from the seed with `random.Random` (never `hash()`, which is salted per
process), and a tool-day's usage is a pure function of (seed, tool, subject, day): any day can be
served on its own, in any order, cheaply. Tests use the same functions as ground truth.
"""

from __future__ import annotations

import functools
import math
import random
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

ENGINEER_COUNT = 300


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TEAMS = ("payments", "platform", "mobile", "data", "growth", "infra", "search", "security")
_FIRST = _words(
    "ada alan alex amara anna ben carla chen dana david elena eli emma farah felix grace hana "
    "ivan jade james jonas kai kara leo lina luca maya mia nadia noah omar priya ravi rosa "
    "sam sara tariq tom uma vera wei yara yusuf zoe"
)
_LAST = _words(
    "adams brown chen diaz evans fischer garcia hughes ito jensen khan kim lopez martin "
    "nguyen novak okafor patel quinn rossi sato schmidt silva singh smith tanaka torres "
    "wagner wong young"
)

# Per tool: (share of engineers who ever adopt it, first day it was available, mean lag in days
# before an engineer picks it up). A tool not listed here needs no entry: it gets adopters from
# _DEFAULT_PROFILE, drawn per (seed, tool, engineer) so the listed tools' data never changes.
_PROFILES: dict[str, tuple[float, date, float]] = {
    "llm_gateway": (0.70, date(2025, 1, 6), 60.0),
    "claude_code": (0.55, date(2025, 3, 1), 75.0),
    "cursor": (0.50, date(2025, 1, 13), 90.0),
    "github_copilot": (0.65, date(2025, 1, 2), 45.0),
    "amp": (0.25, date(2025, 5, 1), 90.0),
    "openai": (0.40, date(2025, 1, 2), 90.0),
    "chat_assistant": (0.85, date(2025, 2, 1), 30.0),
}
_DEFAULT_PROFILE = (0.4, date(2025, 1, 2), 60.0)
# Tools whose identities cannot always be mapped to an email: a few people on purpose, so consumers
# must keep and count unresolved identities instead of dropping them.
_UNRESOLVABLE_TOOLS = ("github_copilot", "openai", "amp", "chat_assistant")


@dataclass(frozen=True, eq=False)
class Engineer:
    id: str
    name: str
    email: str
    team: str
    github_login: str
    github_user_id: int
    openai_user_id: str
    slack_user_id: str
    amp_user_id: str
    cursor_user_id: str
    joined_on: date
    left_on: date | None
    heaviness: float
    adoption: Mapping[str, date] = field(default_factory=dict)
    unresolvable: frozenset[str] = frozenset()

    def employed(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)

    def adopted(self, tool: str, day: date) -> bool:
        start = self.adoption.get(tool)
        return start is not None and start <= day and self.employed(day)


@dataclass(frozen=True, eq=False)
class ApiActor:
    """A non-person caller (CI bot, indexer): vendors report it by key name, not by a person."""

    name: str
    key_id: str
    tools: frozenset[str]
    volume: float


_API_ACTORS = (
    ("svc-ci-review-bot", ("llm_gateway", "claude_code", "openai"), 4.0),
    ("svc-docs-indexer", ("llm_gateway", "openai"), 2.5),
    ("svc-support-triage", ("llm_gateway", "claude_code"), 1.5),
    ("svc-release-notes", ("llm_gateway", "openai"), 0.6),
)


def is_holiday(day: date) -> bool:
    if (day.month, day.day) in {(1, 1), (7, 4), (12, 24), (12, 25), (12, 26), (12, 31)}:
        return True
    # Thanksgiving and the Friday after: the 4th Thursday of November.
    if day.month == 11:
        first_thu = 1 + (3 - date(day.year, 11, 1).weekday()) % 7
        return day.day in (first_thu + 21, first_thu + 22)
    return False


def last_complete_day(now: datetime) -> date:
    """Vendors finalise a day once it is over, so aggregate reports end at yesterday (UTC)."""
    return now.date() - timedelta(days=1)


class Org:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = random.Random(f"org:{seed}")
        self.engineers: tuple[Engineer, ...] = tuple(_make_engineers(rng))
        self.api_actors: tuple[ApiActor, ...] = tuple(
            ApiActor(name, f"key_{_token(random.Random(f'{seed}:{name}'), 16)}", frozenset(t), v)
            for name, t, v in _API_ACTORS
        )
        self._by_email = {e.email: e for e in self.engineers}
        self._active_cache: dict[tuple[str, date], tuple[Engineer, ...]] = {}
        # Adoption dates of tools not in _PROFILES, drawn on first use: tool -> engineer id -> day.
        self._other_adoption: dict[str, dict[str, date]] = {}
        self._lock = threading.Lock()

    def rng(self, tool: str, subject: str, day: date, salt: str = "") -> random.Random:
        """The one source of per-(tool, subject, day) randomness: seeding from a string is stable
        across processes and needs no shared state, so days are independent of request order."""
        return random.Random(f"{self.seed}:{tool}:{subject}:{day.isoformat()}:{salt}")

    def engineer(self, email: str) -> Engineer | None:
        return self._by_email.get(email)

    def adoption_start(self, tool: str, eng: Engineer) -> date | None:
        """The day `eng` took up `tool`, or None if they never do."""
        if tool in _PROFILES:
            return eng.adoption.get(tool)
        with self._lock:
            starts = self._other_adoption.get(tool)
            if starts is None:
                share, launch, lag = _DEFAULT_PROFILE
                starts = {}
                for e in self.engineers:
                    rng = random.Random(f"{self.seed}:adopt:{tool}:{e.id}")
                    if rng.random() < share:
                        start = max(launch, e.joined_on + timedelta(days=7))
                        starts[e.id] = start + timedelta(days=int(rng.expovariate(1 / lag)))
                self._other_adoption[tool] = starts
        return starts.get(eng.id)

    def adopted(self, tool: str, eng: Engineer, day: date) -> bool:
        start = self.adoption_start(tool, eng)
        return start is not None and start <= day and eng.employed(day)

    def intensity(self, tool: str, eng: Engineer, day: date) -> float:
        """How much `eng` used `tool` on `day`, 0.0 meaning not at all (median active day ~1)."""
        start = self.adoption_start(tool, eng)
        if start is None or not self.adopted(tool, eng, day):
            return 0.0
        rng = self.rng(tool, eng.id, day)
        heavy = eng.heaviness >= 2.0
        p = 0.92 if heavy else 0.5 + 0.15 * eng.heaviness
        quiet = day.weekday() >= 5 or is_holiday(day)
        if quiet:
            p *= 0.12
        ramp = (day - start).days
        if ramp < 28:  # people try a tool a few times before it becomes a habit
            p *= 0.35 + 0.65 * ramp / 28
        if rng.random() >= p:
            return 0.0
        return eng.heaviness * rng.lognormvariate(0.0, 0.45) * (0.4 if quiet else 1.0)

    def actor_intensity(self, tool: str, actor: ApiActor, day: date) -> float:
        """Service keys run every day (bots do not take weekends off), from their tool's launch."""
        if tool not in actor.tools or day < _PROFILES.get(tool, _DEFAULT_PROFILE)[1]:
            return 0.0
        return actor.volume * self.rng(tool, actor.name, day).lognormvariate(0.0, 0.3)

    def active_engineers(self, tool: str, day: date) -> tuple[Engineer, ...]:
        """Ground truth: the engineers with any `tool` usage on `day` (whole day)."""
        key = (tool, day)
        hit = self._active_cache.get(key)
        if hit is None:
            hit = tuple(e for e in self.engineers if self.intensity(tool, e, day) > 0)
            if len(self._active_cache) > 4096:  # bounded: a long-running server must not grow
                self._active_cache.clear()
            self._active_cache[key] = hit
        return hit

    def seat_holders(self, tool: str, day: date) -> tuple[Engineer, ...]:
        """Engineers who have adopted `tool` and are employed on `day` (licensed seats)."""
        return tuple(e for e in self.engineers if self.adopted(tool, e, day))

    def identity_resolvable(self, tool: str, eng: Engineer) -> bool:
        """Ground truth: can a consumer map this engineer's `tool` identity to an email?"""
        return tool not in eng.unresolvable

    def directory(self, as_of: date) -> list[dict[str, object]]:
        """The HR/IdP view of people who had joined by `as_of`: the consumers' identity source.
        Tool identities marked unresolvable are left out, as when someone uses an unlinked
        personal account."""
        rows: list[dict[str, object]] = []
        for e in self.engineers:
            if e.joined_on > as_of:
                continue
            hide = e.unresolvable
            rows.append(
                {
                    "id": e.id,
                    "email": e.email,
                    "name": e.name,
                    "team": e.team,
                    "github_login": None if "github_copilot" in hide else e.github_login,
                    "openai_user_id": None if "openai" in hide else e.openai_user_id,
                    "slack_user_id": None if "chat_assistant" in hide else e.slack_user_id,
                    "amp_user_id": None if "amp" in hide else e.amp_user_id,
                    "cursor_user_id": e.cursor_user_id,
                    "joined_on": e.joined_on.isoformat(),
                    "left_on": e.left_on.isoformat() if e.left_on and e.left_on <= as_of else None,
                }
            )
        return rows


@functools.lru_cache(maxsize=8)
def get_org(seed: int) -> Org:
    return Org(seed)


def _token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _make_engineers(rng: random.Random) -> list[Engineer]:
    names = rng.sample([(f, last) for f in _FIRST for last in _LAST], ENGINEER_COUNT)
    gh_ids = rng.sample(range(1_000_000, 90_000_000), ENGINEER_COUNT)
    out: list[Engineer] = []
    logins: set[str] = set()
    for i, (first, last) in enumerate(names):
        # Most people were hired before the tools arrived; ~20% join during 2025-26 and ~12% leave.
        if rng.random() < 0.8:
            joined = date(2018, 1, 1) + timedelta(days=rng.randrange(2556))
        else:
            joined = date(2025, 1, 1) + timedelta(days=rng.randrange(545))
        left = None
        if rng.random() < 0.12:
            earliest = max(joined + timedelta(days=60), date(2025, 1, 15))
            left = earliest + timedelta(days=rng.randrange(400))
        # Heavy-tailed: a few power users, many occasional ones.
        heaviness = round(min(6.0, math.exp(rng.gauss(-0.1, 0.75))), 3)
        adoption: dict[str, date] = {}
        for tool, (share, launch, lag) in _PROFILES.items():
            if rng.random() < share:
                start = max(launch, joined + timedelta(days=7))
                adoption[tool] = start + timedelta(days=int(rng.expovariate(1 / lag)))
        unresolvable = frozenset(t for t in _UNRESOLVABLE_TOOLS if rng.random() < 0.03)
        style = rng.randrange(4)
        login = (f"{first}{last}", f"{first}-{last}", f"{first[0]}{last}", f"{first}{last[:2]}")[
            style
        ]
        if rng.random() < 0.4:
            login = f"{login}{rng.randrange(10, 99)}"
        while login in logins:  # logins are unique on GitHub
            login = f"{login}{rng.randrange(10)}"
        logins.add(login)
        out.append(
            Engineer(
                id=f"eng-{i + 1:04d}",
                name=f"{first.title()} {last.title()}",
                email=f"{first}.{last}@example.com",
                team=rng.choice(TEAMS),
                github_login=login,
                github_user_id=gh_ids[i],
                openai_user_id="user-" + _token(rng, 24),
                slack_user_id="U" + _token(rng, 10, string.ascii_uppercase + string.digits),
                amp_user_id=stable_uuid(rng),
                cursor_user_id="user_" + _token(rng, 20),
                joined_on=joined,
                left_on=left,
                heaviness=heaviness,
                adoption=adoption,
                unresolvable=unresolvable,
            )
        )
    return out


def stable_uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
