"""The whole pipeline as a list of steps: one ingest run per source, then everything downstream.

Shared by `ops-metrics demo` and the end-to-end tests, so both exercise exactly what a user runs.
Each step is a run of a named job (`ops_metrics.jobs`), so the Dagster UI says what it ran, and a
failed step reports its cause in one line (what the CLI prints) besides the full error text (what
the run log keeps).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dagster as dg

from ops_metrics.jobs import MODELS_JOB, ingest_job, ingest_job_name, models_job
from ops_metrics.registry import INCIDENT_IO_BASE_URL, TOOLS, WORKSPACES, Tool, Workspace

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# The demo prints its own progress; Dagster's per-event console log would drown it.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# Everything Dagster says, for a log file the demo writes instead of the terminal.
DETAILED = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}
# The history runs' log: our assets' own lines (what they loaded, what they rejected), not
# Dagster's one DEBUG line per event (thousands of identical "Materialized value" lines, and time
# spent formatting them).
HISTORY_LOG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
# What the ingestion errors say when a vendor refuses the key, or cannot be reached at all.
_REFUSED = re.compile(r"answered (401|403)\b")
_UNREACHABLE = re.compile(r"(ConnectError|ConnectTimeout|ProxyError|UnsupportedProtocol)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# dbt's summary of a failed node: `Failure in model stg_x (models/.../stg_x.sql)`, then
# `Runtime Error in model stg_x (...)` and what the warehouse said.
_DBT_FAILURE = re.compile(r"^Failure in (\w+) (\S+)", re.MULTILINE)
_DBT_WRAPPERS = ("Runtime Error in", "Database Error in", "Compilation Error in")


@dataclass
class StepResult:
    success: bool
    summary: str
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A failed run's causes, one line each (our error's message, never a stack trace), and the
    # full error text with stack traces for a log.
    failures: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class Step:
    label: str
    run: Callable[[dg.DagsterInstance], StepResult]
    # The asset key of the source a step ingests (`incident_io/companya/incidents`), None for
    # the downstream build.
    source: dg.AssetKey | None = None


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat is not None:
            out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return out


def _cause(error: Any) -> Any:
    """The error that says what went wrong: the first of ours (`ops_metrics.*`: it names the
    variable, source or endpoint) down the chain of causes, else the deepest one. Dagster wraps a
    step's exception in its own (`Error occurred while executing op ...`)."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause or error.context
    for candidate in chain:
        if candidate.message.startswith("ops_metrics."):
            return candidate
    return chain[-1]


def one_line(message: str) -> str:
    """An error message as one line without the exception's module path: `ConfigurationError:
    environment variable ...` becomes `environment variable ...` for our errors, others keep
    their class name. dbt failures keep the first error dbt reported."""
    text = _ANSI.sub("", message).strip()
    if "Errors parsed from dbt logs:" in text:
        return _dbt_line(text.split("Errors parsed from dbt logs:", 1)[1])
    text = next((line.strip() for line in text.splitlines() if line.strip()), text)
    head, sep, rest = text.partition(": ")
    if sep and " " not in head and "." in head:
        module, _, cls_name = head.rpartition(".")
        text = rest if module.startswith("ops_metrics") else f"{cls_name}: {rest}"
    return text


def _dbt_line(errors: str) -> str:
    """dbt's errors as one line: the first failing node and what the warehouse said about it (dbt
    lists `N of M ERROR ...` lines first, then a `Failure in model X` block per node)."""
    failed = _DBT_FAILURE.findall(errors)
    if not failed:
        first = next((line.strip() for line in errors.splitlines() if line.strip()), "")
        return f"dbt: {first}" if first else "dbt failed (see the run log)"
    block = errors.split(f"Failure in {failed[0][0]} {failed[0][1]}", 1)[1].splitlines()[1:]
    said = [line.strip() for line in block if line.strip()]
    reason = next((line for line in said if not line.startswith(_DBT_WRAPPERS)), "")
    more = f" (and {len(failed) - 1} more failing, see the run log)" if len(failed) > 1 else ""
    return f"dbt {failed[0][0]} {failed[0][1]}: {reason or 'failed'}{more}"


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per distinct cause of the run's failed steps."""
    lines: list[str] = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            line = error_line(event.step_failure_data.error)
            if line not in lines:
                lines.append(line)
    if not lines and not result.success:
        lines.append("run failed before any step ran (see the run log)")
    return lines


def failure_detail(result: dg.ExecuteInProcessResult) -> str:
    """Every failed step's full error, stack traces included, for the run log."""
    parts = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            parts.append(
                f"step {event.step_key} failed:\n{event.step_failure_data.error.to_string()}"
            )
        elif event.event_type == dg.DagsterEventType.RUN_FAILURE and event.event_specific_data:
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                parts.append(f"run failed:\n{error.to_string()}")
    return "\n".join(parts)


def _step_result(
    result: dg.ExecuteInProcessResult, source: dg.AssetKey | None = None
) -> StepResult:
    meta = _metadata(result)
    if not result.success:
        failures = [explain(source, line) for line in failure_lines(result)]
        return StepResult(False, failures[0], meta, failures, failure_detail(result))
    return StepResult(True, _summary(meta), meta)


def _registry_entry(source: dg.AssetKey | None) -> Workspace | Tool | None:
    if source is None:
        return None
    for entry in (*WORKSPACES, *TOOLS):
        if list(source.path) == entry.asset_key:
            return entry
    return None


def explain(source: dg.AssetKey | None, line: str) -> str:
    """A source's failure line, prefixed with the source and, for a refused key or an unreachable
    API, ending with the variable to check (the ingestion errors name the endpoint, not the
    variable behind it)."""
    entry = _registry_entry(source)
    if entry is None:
        return line
    name = f"{entry.family}/{entry.name}"
    if not line.startswith(name):
        line = f"{name}: {line}"
    if _REFUSED.search(line):
        envs = entry.secret_envs if isinstance(entry, Tool) else (entry.api_key_env,)
        return f"{line} -> check {' and '.join(envs)}"
    if _UNREACHABLE.search(line):
        default = entry.default_base_url if isinstance(entry, Tool) else INCIDENT_IO_BASE_URL
        url = os.environ.get(entry.base_url_env) or default
        return f"{line} -> check {entry.base_url_env} (now {url}) and that the host is reachable"
    return line


def error_line(error: Any) -> str:
    """The one line that names the cause of a step's error (Dagster wraps ours in its own)."""
    return one_line(_cause(error).message)


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
        return _step_result(result)

    return Step(label, run)


def job_step(
    label: str,
    run_defs: dg.Definitions,
    job_name: str,
    partition_range: tuple[str, str] | None = None,
    source: dg.AssetKey | None = None,
    run_config: dict[str, Any] | None = None,
    history_range: tuple[str, str] | None = None,
) -> Step:
    """A run of the named job `job_name` of `run_defs` (its resources bound there); a partition
    range runs as one single-run backfill.

    With a `history_range` (older partitions than `partition_range`), the step is two runs of the
    same job: `partition_range` in the instance given (the one `dagster dev` shows), then, if that
    succeeded, `history_range` in an ephemeral in-memory instance. Why: Dagster records one
    materialisation event per partition of a backfill, and in the SQLite storage of a local
    instance each costs 50-75 ms (a connection and two commits), so 16 weeks of hourly partitions
    of three workspaces were 10+ minutes of a demo whose ingestion takes seconds. In memory an
    event costs a few ms. The warehouse and its load log (`raw.ingestion_loads`) get every load
    either way; only the instance's record of the history's runs is dropped. The recent range
    runs first so that a source that cannot load fails in the recorded run (the UI shows it) and
    its history is not attempted."""

    def run_once(
        instance: dg.DagsterInstance, keys: tuple[str, str] | None, config: dict[str, Any] | None
    ) -> StepResult:
        tags = {RANGE_START: keys[0], RANGE_END: keys[1]} if keys else None
        result = run_defs.resolve_job_def(job_name).execute_in_process(
            instance=instance,
            tags=tags,
            raise_on_error=False,
            run_config=config if config is not None else QUIET,
        )
        return _step_result(result, source)

    def run(instance: dg.DagsterInstance) -> StepResult:
        recent = run_once(instance, partition_range, run_config)
        if history_range is None or not recent.success:
            return recent
        with dg.DagsterInstance.ephemeral() as memory:
            history = run_once(memory, history_range, HISTORY_LOG)
        if not history.success:
            history.failures[:] = [
                f"{line} (history {history_range[0]} … {history_range[1]})"
                for line in history.failures
            ]
            history.summary = history.failures[0]
            return history
        loads = [recent.metadata, history.metadata]
        return StepResult(True, _summary(*loads), _merged(*loads))

    return Step(label, run, source)


def _merged(*loads: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Several runs' materialisation metadata as one: the newest run's per asset."""
    out: dict[str, dict[str, Any]] = {}
    for meta in loads:
        for key, values in meta.items():
            out.setdefault(key, values)
    return out


def _summary(*loads: dict[str, dict[str, Any]]) -> str:
    """One line per step, over its runs (a source's recent and history runs). A single-run
    backfill reports the same load once per partition, so each asset's figures are counted once
    per run."""
    metas = [m for meta in loads for m in meta.values()]
    staged = sum(int(m.get("rows_staged", 0) or 0) for m in metas)
    written = sum(
        int(m.get("rows_inserted", 0) or 0) + int(m.get("rows_updated", 0) or 0) for m in metas
    )
    if not staged:
        return f"({len(_merged(*loads))} assets)"
    return f"({staged} rows read, {written} new or changed)"


@dataclass
class PipelineSteps:
    steps: list[Step]
    closing: list[str] = field(default_factory=list)
    # The dashboards' index page (a file:// URI) when the build step writes them.
    dashboards_index: str | None = None

    def closing_lines(self) -> list[str]:
        return self.closing

    @classmethod
    def from_definitions(
        cls,
        now: datetime,
        days: int,
        defs: dg.Definitions | None = None,
        run_config: dict[str, Any] | None = None,
        resource_overrides: dict[str, Any] | None = None,
        recorded_days: int | None = None,
    ) -> PipelineSteps:
        """`run_config` is every run's (default: Dagster's console logger at WARNING);
        `resource_overrides` replace the definitions' resources of the same key (the demo lifts
        the simulators' rate limits for its backfill). With `recorded_days`, only the partitions
        of the last `recorded_days` days are run in the instance a step is given; the older ones
        of the `days` run in an ephemeral instance (see `job_step`)."""
        if defs is None:
            from ops_metrics.definitions import defs as loaded

            defs = loaded
        resources = {**(defs.resources or {}), **(resource_overrides or {})}
        graph = defs.resolve_asset_graph()
        planned: list[
            tuple[str, str, tuple[str, str] | None, dg.AssetKey | None, tuple[str, str] | None]
        ] = []
        jobs: list[dg.UnresolvedAssetJobDefinition] = []
        downstream: list[dg.AssetKey] = []
        for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
            node = graph.get(key)
            if not node.is_materializable:
                continue
            partitions = node.partitions_def
            if isinstance(partitions, dg.TimeWindowPartitionsDefinition):
                keys = _range(partitions, now, days)
                if keys:
                    jobs.append(ingest_job(key))
                    label = f"ingest {key.to_user_string()} ({keys[0]} … {keys[1]})"
                    recent, history = _split(partitions, keys, now, recorded_days)
                    planned.append((label, ingest_job_name(key), recent, key, history))
            else:
                downstream.append(key)
        if downstream:
            jobs.append(models_job(dg.AssetSelection.assets(*downstream)))
            planned.append(
                (f"build {len(downstream)} downstream models", MODELS_JOB, None, None, None)
            )
        # One set of definitions for every step: the declared assets (resources unbound) with the
        # resources given, and a named job per step, each resolved when its step runs.
        run_defs = dg.Definitions(assets=list(defs.assets or []), resources=resources, jobs=jobs)
        steps = [
            job_step(label, run_defs, job_name, keys, key, run_config, history)
            for label, job_name, keys, key, history in planned
        ]
        closing = []
        dashboards_index = None
        if dg.AssetKey("dashboards") in downstream:
            from ops_metrics.dashboards.render import site_dir

            dashboards_index = (site_dir() / "index.html").resolve().as_uri()
            closing.append(
                f"Dashboards: {dashboards_index}  (static files: open in a browser, no server)"
            )
        return cls(steps, closing, dashboards_index)


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


def _split(
    partitions: dg.TimeWindowPartitionsDefinition,
    keys: tuple[str, str],
    now: datetime,
    recorded_days: int | None,
) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """`keys` as (the recent range: the last `recorded_days` days, the history before it), the
    history None when there is none."""
    recent = _range(partitions, now, recorded_days) if recorded_days else None
    if recent is None or recent[0] <= keys[0]:
        return keys, None
    every = partitions.get_partition_keys_in_range(dg.PartitionKeyRange(keys[0], recent[0]))
    return recent, (keys[0], every[-2])


def declared_assets_def(defs: dg.Definitions, key: dg.AssetKey) -> Any:
    """The asset definition of `key` as declared (no resources bound), for `dg.materialize`."""
    for assets_def in defs.assets or []:
        if isinstance(assets_def, dg.AssetsDefinition) and key in assets_def.keys:
            return assets_def
    return defs.resolve_assets_def(key)
