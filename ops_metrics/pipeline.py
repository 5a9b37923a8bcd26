"""The whole pipeline as a list of steps: one ingest run per source, then everything downstream.

Shared by `ops-metrics demo` and the end-to-end tests, so both exercise exactly what a user runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dagster as dg

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# The demo prints its own progress; Dagster's per-event console log would drown it.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class StepResult:
    success: bool
    summary: str
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Step:
    label: str
    run: Callable[[dg.DagsterInstance], StepResult]


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat is not None:
            out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return out


def _failure(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            return event.step_failure_data.error.message.strip().splitlines()[-1]
    return "run failed"


def materialize_step(
    label: str,
    assets: Sequence[Any],
    resources: dict[str, Any],
    selection: dg.AssetSelection | None = None,
    partition_range: tuple[str, str] | None = None,
) -> Step:
    def run(instance: dg.DagsterInstance) -> StepResult:
        tags = (
            {RANGE_START: partition_range[0], RANGE_END: partition_range[1]}
            if partition_range
            else None
        )
        result = dg.materialize(
            assets,
            instance=instance,
            resources=resources,
            selection=selection,
            tags=tags,
            raise_on_error=False,
            run_config=QUIET,
        )
        meta = _metadata(result)
        if not result.success:
            return StepResult(False, _failure(result), meta)
        return StepResult(True, _summary(meta), meta)

    return Step(label, run)


def _summary(meta: dict[str, dict[str, Any]]) -> str:
    """One line per step. A single-run backfill reports the same load once per partition, so
    each asset's figures are counted once."""
    staged = sum(int(m.get("rows_staged", 0) or 0) for m in meta.values())
    written = sum(
        int(m.get("rows_inserted", 0) or 0) + int(m.get("rows_updated", 0) or 0)
        for m in meta.values()
    )
    if not staged:
        return f"({len(meta)} assets)"
    return f"({staged} rows read, {written} new or changed)"


@dataclass
class PipelineSteps:
    steps: list[Step]
    closing: list[str] = field(default_factory=list)

    def closing_lines(self) -> list[str]:
        return self.closing

    @classmethod
    def from_definitions(
        cls,
        now: datetime,
        days: int,
        defs: dg.Definitions | None = None,
        resource_overrides: dict[str, Any] | None = None,
    ) -> PipelineSteps:
        """`resource_overrides` replace the definitions' resources of the same key (the demo
        lifts the simulators' rate limits for its backfill)."""
        if defs is None:
            from ops_metrics.definitions import defs as loaded

            defs = loaded
        resources = {**(defs.resources or {}), **(resource_overrides or {})}
        graph = defs.resolve_asset_graph()
        steps: list[Step] = []
        downstream: list[dg.AssetKey] = []
        for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
            node = graph.get(key)
            if not node.is_materializable:
                continue
            partitions = node.partitions_def
            if isinstance(partitions, dg.TimeWindowPartitionsDefinition):
                # The definition as declared: resolve_assets_def returns it with the
                # resources already bound, which materialize(resources=...) rejects.
                assets_def = declared_assets_def(defs, key)
                keys = _range(partitions, now, days)
                if keys:
                    steps.append(
                        materialize_step(
                            f"ingest {key.to_user_string()} ({keys[0]} … {keys[1]})",
                            [assets_def],
                            resources,
                            partition_range=keys,
                        )
                    )
            else:
                downstream.append(key)
        if downstream:
            all_assets = list(defs.assets or [])
            steps.append(
                materialize_step(
                    f"build {len(downstream)} downstream models",
                    all_assets,
                    resources,
                    selection=dg.AssetSelection.assets(*downstream),
                )
            )
        closing = []
        if dg.AssetKey("dashboards") in downstream:
            from ops_metrics.dashboards.render import site_dir

            index = (site_dir() / "index.html").resolve().as_uri()
            closing.append(f"Dashboards: {index}  (static files: open in a browser, no server)")
        return cls(steps, closing)


def _range(
    partitions: dg.TimeWindowPartitionsDefinition, now: datetime, days: int
) -> tuple[str, str] | None:
    """The partition keys touching the last `days` days that are complete at `now`."""
    start = now - timedelta(days=days)
    # Ask from a day earlier: the lookup returns only partitions that start inside the window,
    # and the daily partition that holds `start` begins before it.
    keys = partitions.get_partition_keys_in_time_window(
        dg.TimeWindow(start - timedelta(days=1), now)
    )
    complete = [k for k in keys if start < partitions.time_window_for_partition_key(k).end <= now]
    return (complete[0], complete[-1]) if complete else None


def declared_assets_def(defs: dg.Definitions, key: dg.AssetKey) -> Any:
    """The asset definition of `key` as declared (no resources bound), for `dg.materialize`."""
    for assets_def in defs.assets or []:
        if isinstance(assets_def, dg.AssetsDefinition) and key in assets_def.keys:
            return assets_def
    return defs.resolve_assets_def(key)
