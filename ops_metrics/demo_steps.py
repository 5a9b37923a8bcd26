"""Running the demo's steps and saying what they did: shared by `ops-metrics demo` on DuckDB
(demo.py) and on the Snowflake emulator (snowflake_emulator.py), which both import it downward
instead of one demo importing the other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ops_metrics.console import RunLog

if TYPE_CHECKING:
    import dagster as dg

    from ops_metrics.pipeline import PipelineSteps


def mode_banner(days: int, mode: str) -> str:
    """What the demo is about to do, first line of its output: the mode is the first thing to
    know when reading what follows."""
    span = f"{days} day{'s' if days != 1 else ''}"
    if mode == "live":
        return (
            f"{span} of LIVE data (OPS_METRICS_SOURCES=live: the vendors' APIs, keys read from "
            "the environment)"
        )
    return f"{span} of simulated data (the built-in simulators; nothing leaves this machine)"


@dataclass
class Outcome:
    """What a demo's steps did: the sources loaded and failed, the build's fate, and each failure
    cause once, one line each."""

    failed_sources: list[str] = field(default_factory=list)
    loaded_sources: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    build_failed: bool = False
    build_skipped: bool = False
    dashboards_built: bool = False

    @property
    def success(self) -> bool:
        return not self.failed_sources and not self.build_failed and not self.build_skipped


def execute(steps: PipelineSteps, instance: dg.DagsterInstance, log: RunLog) -> Outcome:
    """Run the pipeline's steps in order, one progress line each; their output goes to `log`.
    The downstream build is skipped when no source loaded: it would only rebuild old data and
    present it as this run's."""
    outcome = Outcome()
    total = len(steps.steps)
    for number, step in enumerate(steps.steps, start=1):
        prefix = f"[{number}/{total}] {step.label}"
        source = step.source.to_user_string().rsplit("/", 1)[0] if step.source else None
        if source is None and not outcome.loaded_sources and outcome.failed_sources:
            outcome.build_skipped = True
            log.say(f"{prefix}: skipped (no source loaded, nothing new to build)")
            continue
        log.say(f"{prefix} ...")
        log.write(f"== {step.label}")
        started = time.monotonic()
        with log.captured():
            result = step.run(instance)
        took = time.monotonic() - started
        if result.success:
            log.say(f"{prefix}: ok in {took:.1f}s {result.summary}")
            if source:
                outcome.loaded_sources.append(source)
            elif "dashboards" in result.metadata:
                outcome.dashboards_built = True
            continue
        log.say(f"{prefix}: FAILED in {took:.1f}s")
        log.detail(result.detail)
        if source:
            outcome.failed_sources.append(source)
        else:
            outcome.build_failed = True
            outcome.dashboards_built = "dashboards" in result.metadata
            result.failures[:] = [f"build: {line}" for line in result.failures]
        for line in result.failures:
            if line not in outcome.failures:
                outcome.failures.append(line)
    return outcome


def summarize(outcome: Outcome, dashboards_index: str | None, log: RunLog) -> None:
    """The end of the output: each failure cause once, then whether the dashboards are current."""
    log.say("")
    if outcome.failed_sources:
        loaded = len(outcome.loaded_sources)
        total = loaded + len(outcome.failed_sources)
        log.say(f"{len(outcome.failed_sources)} of {total} sources failed to load:")
    elif outcome.failures:
        log.say("The build failed:")
    for line in outcome.failures:
        log.say(f"  {line}")
    if dashboards_index is None:
        return
    if outcome.build_skipped:
        log.say(
            "Dashboards: NOT rebuilt (no source loaded). "
            f"{dashboards_index} shows an earlier run's data, if any."
        )
    elif not outcome.dashboards_built:
        log.say(
            "Dashboards: NOT rebuilt (the build failed, see above). "
            f"{dashboards_index} shows an earlier run's data, if any."
        )
    elif outcome.failed_sources:
        log.say(f"Dashboards: {dashboards_index}  (static files: open in a browser, no server)")
        log.say(
            f"  NOT current for {', '.join(outcome.failed_sources)}: their loads failed, so "
            "their figures are whatever the warehouse held before this run."
        )
    else:
        log.say(f"Dashboards: {dashboards_index}  (static files: open in a browser, no server)")
