"""The deterministic set of incidents of one workspace, and what of it is visible at a "now"."""

from __future__ import annotations

import gc
import random
from bisect import bisect_left
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ops_metrics import registry
from ops_metrics.simulators.incident_io import catalog
from ops_metrics.simulators.incident_io.lifecycle import NEVER, SimIncident, timelines
from ops_metrics.simulators.incident_io.payload import render
from ops_metrics.simulators.incident_io.workspace import (
    WorkspaceSetup,
    build_setup,
    ulid,
    workspace_rng,
)

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SPAN_START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2027, 1, 1, tzinfo=UTC)  # exclusive: incidents start up to 2026-12-31
_OFFSETS = (60, 120, -300, -420, 330, 540)  # minutes: CET, EET, EST, MST, IST, JST


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


class IncidentUniverse:
    """All incidents of a workspace, newest first (created_at desc, id desc: the API's order)."""

    def __init__(self, setup: WorkspaceSetup, incidents: list[SimIncident]) -> None:
        self.setup = setup
        self.workspace = setup.workspace
        self.incidents: tuple[SimIncident, ...] = tuple(incidents)
        self._neg_created = [-i.created for i in incidents]  # ascending, for bisect
        self._position = {inc.id: n for n, inc in enumerate(incidents)}

    def first_visible(self, now_ms: int) -> int:
        """Index of the newest incident created at or before now (all later ones are hidden)."""
        return bisect_left(self._neg_created, -now_ms)

    def position(self, incident_id: str) -> int | None:
        return self._position.get(incident_id)

    def visible_incidents(
        self, now: datetime | int, modes: Collection[str] = catalog.DEFAULT_MODES
    ) -> list[SimIncident]:
        now_ms = now if isinstance(now, int) else to_ms(now)
        start = self.first_visible(now_ms)
        return [inc for inc in self.incidents[start:] if inc.mode in modes]

    def visible(
        self, now: datetime, modes: Collection[str] = catalog.DEFAULT_MODES
    ) -> list[dict[str, Any]]:
        """The payloads `GET /v2/incidents` serves at `now` (all pages, in order)."""
        now_ms = to_ms(now)
        return [render(self.setup, inc, now_ms) for inc in self.visible_incidents(now_ms, modes)]

    def payload(self, incident: SimIncident, now: datetime | int) -> dict[str, Any]:
        return render(self.setup, incident, now if isinstance(now, int) else to_ms(now))


def incident_universe(workspace_name: str, options: SimulatorOptions) -> IncidentUniverse:
    """The cached universe of a registry workspace for the options' seed and size."""
    return _build(workspace_name, options.seed, options.incidents_per_workspace)


@lru_cache(maxsize=16)
def _build(workspace_name: str, seed: int, count: int | None) -> IncidentUniverse:
    ws = registry.workspace(workspace_name)
    rng = workspace_rng(workspace_name, seed)
    setup = build_setup(ws, rng)
    n = count if count is not None else rng.randint(1500, 2500)
    # Generation allocates millions of small containers that all stay alive; pausing the cyclic
    # GC meanwhile saves about a third of the time for 100k incidents.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return IncidentUniverse(setup, _generate(setup, rng, n))
    finally:
        if was_enabled:
            gc.enable()


def _start_times(rng: random.Random, n: int) -> list[int]:
    start, span = to_ms(SPAN_START), to_ms(SPAN_END) - to_ms(SPAN_START)
    times = []
    while len(times) < n:
        t = start + int(rng.random() * span)
        # Fewer incidents at weekends: the epoch was a Thursday, so (days + 3) % 7 is Monday=0.
        if (t // 86_400_000 + 3) % 7 >= 5 and rng.random() < 0.5:
            continue
        times.append(t)
    return times


def _generate(setup: WorkspaceSetup, rng: random.Random, n: int) -> list[SimIncident]:
    people, services = len(setup.people), len(catalog.SERVICES)
    impacts, symptoms = len(catalog.IMPACT_OPTIONS), len(catalog.SYMPTOMS)
    rnd = rng.random  # randrange/choice/sample cost several random() calls each: avoid them
    incidents = []
    for base in _start_times(rng, n):
        r = rnd()
        mode = (
            "test"
            if r < 0.03
            else "tutorial"
            if r < 0.04
            else "retrospective"
            if r < 0.09
            else "standard"
        )
        r = rnd()
        sev = -1 if r < 0.05 else 0 if r < 0.63 else 1 if r < 0.92 else 2
        created, statuses, severities, ts, edits = timelines(rng, base, mode, sev)
        lead_at = ts["accepted"][1] if "accepted" in ts else NEVER
        changes = {t for t, _ in statuses} | {t for t, _ in severities} | set(edits)
        changes |= {known for _, known in ts.values()}
        if lead_at != NEVER:
            changes.add(lead_at)
        picked: list[int] = []
        for _ in range((0, 1, 1, 1, 2, 2, 3)[int(rnd() * 7)]):
            s = int(rnd() * services)
            if s not in picked:
                picked.append(s)
        service_ids = tuple(picked)
        symptom = catalog.SYMPTOMS[int(rnd() * symptoms)]
        subject = catalog.SERVICES[service_ids[0]] if service_ids else "Multiple services"
        title = f"{subject}: {symptom}"
        if mode != "standard" and mode != "retrospective":
            title = f"[{mode.upper()}] {title}"
        offset = _OFFSETS[int(rnd() * len(_OFFSETS))] if rnd() < 0.12 else 0
        incidents.append(
            SimIncident(
                id=ulid(created, rng),
                number=0,
                created=created,
                mode=mode,
                visibility="private" if rnd() < 0.05 else "public",
                incident_type=2 if "security" in symptom else int(rnd() < 0.25),
                lead=int(rnd() * people),
                reporter=int(rnd() * people),
                services=service_ids,
                impact=int(rnd() * impacts) if rnd() < 0.7 else -1,
                title=title,
                summary=f"{subject} showed {symptom}; responders are tracking customer impact.",
                offset=offset,
                offset_all=offset != 0 and rnd() < 0.3,
                statuses=tuple(statuses),
                severities=tuple(severities),
                timestamps=ts,
                lead_at=lead_at,
                changes=tuple(sorted(changes)),
            )
        )
    incidents.sort(key=lambda inc: (inc.created, inc.id))
    for number, inc in enumerate(incidents, start=1):
        inc.number = number  # references count up in creation order, like INC-1, INC-2, ...
    incidents.reverse()
    return incidents
