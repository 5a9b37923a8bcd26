"""One incident's whole life, generated up front as timelines so its state at any "now" is a
lookup: which status, severity and timestamps had happened by then, and when it last changed."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TypeVar

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
T = TypeVar("T")
NEVER = 2**62  # a time no clock reaches: "this never happens"

Timestamps = dict[str, tuple[int, int]]  # role -> (value ms, ms from which the API shows it)


@dataclass(slots=True)
class SimIncident:
    """Times are integer milliseconds since the epoch (exact, cheap to compare)."""

    id: str
    number: int
    created: int
    mode: str
    visibility: str
    incident_type: int
    lead: int
    reporter: int
    services: tuple[int, ...]
    impact: int  # index into the Impact field's options, -1 when unset
    title: str
    summary: str
    offset: int  # minutes east of UTC this incident's timestamp values are written in
    offset_all: bool  # whether created_at/updated_at use that offset too
    statuses: tuple[tuple[int, str], ...]
    severities: tuple[tuple[int, int], ...]  # severity index, -1 for none
    timestamps: Timestamps
    lead_at: int
    changes: tuple[int, ...]  # every moment the incident changed, sorted

    def status_at(self, now: int) -> str:
        return _at(self.statuses, now)

    def severity_at(self, now: int) -> int:
        return _at(self.severities, now)

    def updated_at(self, now: int) -> int:
        changes = self.changes
        if changes[-1] <= now:  # the common case: the incident has settled
            return changes[-1]
        return max(t for t in changes if t <= now)

    def timestamp_at(self, role: str, now: int) -> int | None:
        entry = self.timestamps.get(role)
        return entry[0] if entry is not None and entry[1] <= now else None


def _at(timeline: tuple[tuple[int, T], ...], now: int) -> T:
    """The value in force at `now`; before the first entry, the first value (never asked for,
    since an incident is only shown from its creation, which is the first entry)."""
    current = timeline[0][1]
    for t, value in timeline:
        if t > now:
            break
        current = value
    return current


def _between(rng: random.Random, low: int, high: int) -> int:
    # rng.randint is several times slower than random(), and this runs ~10 times per incident.
    return low + int(rng.random() * (high - low))


def _lognormal(rng: random.Random, median: float, sigma: float = 0.8) -> int:
    return max(1000, int(median * math.exp(rng.gauss(0.0, sigma))))


def _standard(rng: random.Random, c: int, sev: int, ts: Timestamps) -> list[tuple[int, str]]:
    ts["reported"] = (c, c)
    st: list[tuple[int, str]] = []
    a = c
    if rng.random() < 0.35:  # opened in triage, then accepted or turned away
        st.append((c, "triage"))
        a = c + _lognormal(rng, 4 * MINUTE)
        fate = rng.random()
        for limit, status in ((0.17, "declined"), (0.25, "merged"), (0.29, "canceled")):
            if fate < limit:
                ts[status] = (a, a)
                return [*st, (a, status)]
    ts["accepted"] = (a, a)
    st.append((a, "investigating"))
    # Detection follows the declaration here, so TTD (detected - created) is >= 0.
    d = c if rng.random() < 0.25 else c + _lognormal(rng, 6 * MINUTE)
    ts["detected"] = (d, d)
    if rng.random() < 0.015:
        end = a + _lognormal(rng, 30 * MINUTE)
        ts["canceled"] = (end, end)
        return [*st, (end, "canceled")]
    factor = (1.0, 0.6, 1.0, 1.8)[sev + 1]
    fixing = max(a, d) + _lognormal(rng, 15 * MINUTE * factor)
    st.append((fixing, "fixing"))
    if rng.random() < 0.03:  # waiting on a third party
        paused = fixing + _lognormal(rng, 20 * MINUTE)
        fixing = paused + _lognormal(rng, 4 * HOUR)
        st += [(paused, "paused"), (fixing, "fixing")]
    f = fixing + _lognormal(rng, 30 * MINUTE * factor, 1.0)
    st.append((f, "monitoring"))
    ts["fixed"] = (f, f)
    r = f + _lognormal(rng, 25 * MINUTE)
    ts["resolved"] = (r, r)
    if rng.random() < 0.55:  # a post-incident flow: document, review, then close
        doc = r + _between(rng, DAY, 5 * DAY)
        closed = doc + _between(rng, DAY, 4 * DAY)
        ts["documented"], ts["reviewed"] = (doc, doc), (closed, closed)
        st += [(r, "documenting"), (doc, "reviewing")]
    else:
        closed = r + _between(rng, 10_000, 30 * MINUTE)
    st.append((closed, "closed"))
    ts["closed"] = (closed, closed)
    if rng.random() < 0.08:  # closed without anyone recording the resolution
        del ts["resolved"]
    return st


def _retrospective(rng: random.Random, impact: int, ts: Timestamps) -> list[tuple[int, str]]:
    """Declared after the fact: the timestamps lie before created_at, so TTD is negative."""
    d = impact + _lognormal(rng, 10 * MINUTE)
    f = d + _lognormal(rng, HOUR)
    r = f + _lognormal(rng, 20 * MINUTE)
    c = r + _between(rng, 2 * HOUR, 10 * DAY)
    for role, value in (("detected", d), ("fixed", f), ("resolved", r)):
        ts[role] = (value, c)
    ts["reported"] = ts["accepted"] = (c, c)
    if rng.random() < 0.6:
        ts["closed"] = (c, c)
        return [(c, "closed")]
    doc = c + _between(rng, DAY, 6 * DAY)
    ts["documented"] = ts["closed"] = (doc, doc)
    return [(c, "documenting"), (doc, "closed")]


def _drill(rng: random.Random, c: int, ts: Timestamps) -> list[tuple[int, str]]:
    """Test and tutorial incidents: short, and closed within the hour."""
    ts["reported"] = ts["accepted"] = ts["detected"] = (c, c)
    end = c + _lognormal(rng, 15 * MINUTE, 0.5)
    ts["resolved"] = ts["closed"] = (end, end)
    return [(c, "investigating"), (end, "closed")]


def timelines(
    rng: random.Random, base: int, mode: str, sev: int
) -> tuple[int, list[tuple[int, str]], list[tuple[int, int]], Timestamps, list[int]]:
    """(created, statuses, severities, timestamps, extra edit times) for one incident."""
    ts: Timestamps = {}
    if mode == "retrospective":
        statuses = _retrospective(rng, base, ts)
    elif mode == "standard":
        statuses = _standard(rng, base, sev, ts)
    else:
        statuses = _drill(rng, base, ts)
    created = statuses[0][0]
    severities = [(created, sev)]
    if 0 <= sev < 2 and "fixed" in ts and mode == "standard" and rng.random() < 0.1:
        severities.append(((created + ts["fixed"][0]) // 2, sev + 1))  # escalated mid-incident
    edits = [created + _between(rng, 300, 1500)]  # the API's own follow-up write after creation
    if "closed" in ts and rng.random() < 0.2:  # a postmortem edit days after closing
        edits.append(ts["closed"][0] + _between(rng, 3 * DAY, 10 * DAY))
    return created, statuses, severities, ts, edits
