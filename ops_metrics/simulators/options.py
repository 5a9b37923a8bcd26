"""What a simulator app is built with: the seed, the clocks, size knobs, faults, rate limits.

Its own module, below `app.py` and every vendor simulator, so the vendor modules import it
downward instead of importing the app that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ops_metrics.simulators.clock import Clock, system_clock

if TYPE_CHECKING:
    from datetime import datetime

    from ops_metrics.registry import Tool
    from ops_metrics.simulators.faults import FaultPlan

DEFAULT_SEED = 20250101


@dataclass
class SimulatorOptions:
    seed: int = DEFAULT_SEED
    clock: Clock = system_clock
    # What rate limits are measured on; None means `clock`. A simulator frozen at an instant for
    # replayable data still needs time to pass for its rate limits, or a limit never resets.
    rate_clock: Clock | None = None
    # Size knobs so benchmarks can ask for 100k incidents; None keeps the realistic default.
    incidents_per_workspace: int | None = None
    # Fault mode (see simulators/faults.py): every vendor misbehaves deterministically by seed.
    faults: FaultPlan | None = None
    # False lifts every vendor's request rate limit (Incident.io's 1,200/min, Cursor's pacing):
    # for bulk backfills of a year against the simulator and for benchmarks, not for tests of
    # the client's 429 handling. Explicit limits in `extra` still win.
    rate_limits: bool = True
    extra: dict[str, object] = field(default_factory=dict)
    # The AI tools whose simulators `build_app` registers at once; None means every registry
    # tool. SourcesResource passes () and registers each tool's simulator when its asset first
    # asks for it (simulators/ai_tools/__init__.py), so a broken one fails only that tool.
    tools: tuple[Tool, ...] | None = None


def rate_now(options: SimulatorOptions) -> datetime:
    return (options.rate_clock or options.clock)()


def rate_limit_per_minute(options: SimulatorOptions, key: str, default: int) -> int:
    """A vendor's request limit: `options.extra[key]` when set, else the vendor's documented
    `default`, or no practical limit when `options.rate_limits` is off."""
    raw = options.extra.get(key, default if options.rate_limits else 10**9)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"{key} must be an integer, got {raw!r}")
    return int(raw)
