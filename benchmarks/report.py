"""docs/benchmarks.md from the runner's results: tables, verdicts against the targets, notes."""

from __future__ import annotations

import statistics
from typing import Any

SECTIONS = (
    "## Machine",
    "## Ingestion throughput",
    "## Merge scaling",
    "## dbt: hourly incremental vs full refresh",
    "## Code-location load",
    "## Targets",
    "## Reproduce",
    "## Notes",
)

REPRODUCE = """```bash
pip install -e '.[bench]'                 # dlt and pyinstrument: benchmark-only, never runtime
python -m benchmarks.run                  # everything (~20 min on 2 cores), writes docs/benchmarks.md
python -m benchmarks.run --only merge dbt # some sections
python -m benchmarks.run --smoke --output /tmp/bench.md   # seconds: does the runner work?
# one measurement by hand (a simulator on a port, then one load in a fresh process):
python -m benchmarks.sim_server --incidents 10000          # prints BENCH_RESULT {"port": N}
python -m benchmarks.ingest ops --base-url http://127.0.0.1:N
pyinstrument -m benchmarks.ingest ops --base-url http://127.0.0.1:N   # where the time goes
```"""

NOTES = """- **Method.** Every measurement runs in a fresh interpreter (`benchmarks/*.py` workers);
  figures are medians over the repeats shown. Peak RSS is the worker's `VmHWM` (imports
  included: `import dagster` alone is ~150 MB). The simulator runs in its own process (built
  before timing, frozen clock 2027-01-02, the 1,200/min rate limit lifted) so the client's CPU
  and memory are its own; it still shares the 2 cores with the client.
- **Contention.** This machine has 2 cores and other engineers ran test suites during the run
  (load averages in the Machine table; 6-10 during the run that measured ingestion and imports):
  absolute figures are noisy, by up to 2x between repeats;
  ratios measured side by side (ops vs fetch, incremental vs full) are steadier.
- **Ingestion path.** `ops` is the product's live path as the asset runs it:
  `SourcesResource(mode="live").client(...)` -> `IncidentExtractor` -> `DataTransformer` ->
  `incident_row` -> `DuckDBWarehouse.merge` (one stage, one transaction), minus Dagster's run
  bookkeeping. Window: `updated_at` from 2024-12-01 to 2027-01-02 (the whole universe),
  page size 250. The simulator hides tutorial/test incidents by default, so rows < N.
- **Where ops time goes** (cProfile/pyinstrument, 10k): waiting for the simulator to render
  and serialise pages (~30 %, shared with the floor), JSON decode (~15 %), DuckDB stage, merge
  and checkpoint (~30 %), pydantic validation (~8 %), payload re-serialisation in
  `incident_row` (~7 %).
- **Memory.** Before this benchmark, `DuckDBWarehouse.merge` let DuckDB keep the whole stage
  in RAM: peak RSS was ~0.8 GB for 10k and ~3.1 GB for 100k incidents. The merge now caps
  DuckDB at `merge_memory_limit` (512 MB) so the stage spills to `<file>.tmp`: memory is flat
  in N for a modest cost in time.
- **dlt.** `rest_api` with a cursor paginator and `write_disposition="merge"` on `id`; it
  unnests every list into child tables, which is where its time and memory go. It was run at
  10k only, once: at ~0.5 GB per 1k incidents, 100k would need far more than this machine's
  24 GB.
- **Merge scaling.** Targets are filled by SQL (rows shaped like raw incidents, 400-byte
  payloads); only `DuckDBWarehouse.merge` of the delta is timed. Updates hit the newest ids, as
  an hourly load's do; updates scattered over the whole table cost more (DuckDB rewrites every
  touched row group at checkpoint).
- **Merge: the fixed-delta target, fixed.** The previous run measured a fixed 1k delta at
  0.271 s into 10k rows and 1.036 s into 1M (3.83x, load 6-8). Profiled on a quiet machine
  (1M rows): `classify` ~0.20 s and `MERGE` ~0.16 s of ~0.30 s, both hash joins that read every
  target row's compared columns, payloads included (DuckDB does not join through the
  primary-key index). `DuckDBWarehouse.merge` now takes the target rows of the staged keys
  first, scanning only the key column and fetching those rows by `rowid` (a pushed-down rowid
  semi-join, ~0.05 s at 1M), then classifies, updates by rowid and inserts unmatched keys
  against that small table (~0.03 s together). Same rules (stale guard, unchanged rows left
  alone, counts); Snowflake keeps `merge_sql.merge`. Quiet-machine check after the change:
  ~0.10 s into 10k, ~0.11-0.13 s into 1M. The 100k row is slower (~0.2 s) for a reason the
  join does not control: its table is one row group (DuckDB's are 122,880 rows), so the
  checkpoint at close rewrites all of it (~0.17 s measured), while at 1M only the newest of
  ten row groups is touched.
- **dbt.** Both runs are `dbt build --select tag:ops` (the incident models, their data and unit
  tests and the seeds: what the hourly job runs) through `dbtRunner`, on a temp DuckDB file.
  Raw tables hold one year (2025) of three workspaces, loaded through `incident_row` +
  `DuckDBWarehouse.merge` without HTTP. The incremental run follows one more simulated hour
  merged into raw. Node seconds come from each run's `run_results.json`.
- **Missed: dbt ≥ 10x, and why model changes cannot meet it here.** The node split above
  shows where the time goes. A run is ~120 nodes (102 data tests, 9 models, 6 unit tests,
  2 seeds); model `execution_time` is no smaller in the incremental run (2-3 s summed in both,
  model ratio 0.7-1.0; the incremental merge is more statements than a create-table-as): it is
  dbt's per-node materialisation work (temp relations, renames, catalog queries,
  0.1-0.5 s a node), not SQL. Measured directly in DuckDB on the benchmark's year (~29k
  incidents): the incremental read of `int_ops__incidents_unioned` with the lookback takes
  ~0.02-0.1 s, the post-hook's scan ~0.04 s, the bridge's input ~0.1 s. With zero SQL the hourly
  run would still pay dbt's start, parse and ~120 nodes, so the end-to-end ratio stays ~1-2x at
  this size. EXPLAIN confirms the lookback predicate is applied above the staging
  `row_number()` window, not pushed to the raw scan; moving it (lookback-aware staging, an
  incremental bridge) would save tens of milliseconds here, and the post-hook cannot be narrowed
  to a window computed after the merge (the target's new max) without missing incidents that
  turned unreportable between the old and the new window start; not done. Done: `threads: 4`
  for DuckDB (paired incremental runs before the change, quiet machine: 8.1 and 11.0 s at
  2 threads, 7.1 and 7.9 s at 4); the run above is at 4 threads, the previous one (14.9 s full,
  11.2 s incremental, load 6-8) at 2. Not done, recommended: dbt advises running unit tests in
  CI only, and the hourly job runs the 6 unit tests (~2.3 s of node time) every hour. A year of
  ~29k incidents is already a large organisation's volume, so the year was not inflated to
  flatter the ratio."""


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def _ratio_line(
    name: str, value: float | None, target: str, ok: bool | None, note: str = ""
) -> str:
    verdict = "not measured" if ok is None else ("met" if ok else "**missed**")
    shown = "-" if value is None else _fmt(value, 2)
    return f"| {name} | {shown} | {target} | {verdict} | {note} |"


# Per results key: its report section and the Targets rows it writes (by their first cell).
_PARTS = {
    "ingestion": ("## Ingestion throughput", ("| ingestion ", "| peak RSS ")),
    "merge": ("## Merge scaling", ("| merge, ",)),
    "dbt": ("## dbt: hourly incremental vs full refresh", ("| dbt ", "| (for information) dbt ")),
    "imports": ("## Code-location load", ("| code-location ",)),
}


def _sections(markdown: str) -> dict[str, list[str]]:
    """A report's `## ` sections: heading -> body lines (heading excluded)."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return out


def render(results: dict[str, Any], previous: str | None = None) -> str:
    """The report. With `previous` (the report a `--only` run replaces), sections that were not
    run keep the previous report's tables and target rows instead of becoming "Not run"."""
    old = _sections(previous) if previous else {}
    kept = [
        key
        for key, (heading, _) in _PARTS.items()
        if not results.get(key) and "Not run." not in "".join(old.get(heading, ["Not run."]))
    ]
    out = ["# Benchmarks", ""]
    if results.get("smoke"):
        out += ["> Smoke run: tiny sizes, one repeat. The figures mean nothing.", ""]
    out += ["Written by `python -m benchmarks.run`; do not edit by hand.", ""]
    out += ["## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in results["machine"].items()]
    out += [f"| load average at end | {results.get('load_average_at_end', '-')} |"]
    if kept:
        old_machine = {
            line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in old.get("## Machine", [])
            if line.count("|") >= 3
        }
        carried = old_machine.get("kept from the previous report", "")
        if carried and all(key in carried.split(" (")[0].split(", ") for key in kept):
            # Kept twice: the load they were measured under is the older report's, not the last.
            out.append(f"| kept from the previous report | {carried} |")
        else:
            out.append(
                f"| kept from the previous report | {', '.join(kept)} (measured under load "
                f"average {old_machine.get('load average at start', '-')} at start, "
                f"{old_machine.get('load average at end', '-')} at end) |"
            )
    out.append("")
    targets: list[str] = []
    builders = {"ingestion": _ingestion, "merge": _merge, "dbt": _dbt, "imports": _imports}
    for key, build in builders.items():
        heading, prefixes = _PARTS[key]
        if key in kept:
            out += [heading, *old[heading]]
            targets += [line for line in old.get("## Targets", []) if line.startswith(prefixes)]
        else:
            out += build(results.get(key), targets)
    out += ["## Targets", "", "| target | measured | goal | verdict | |", "|---|---|---|---|---|"]
    out += [*targets, ""]
    out += ["## Reproduce", "", REPRODUCE, "", "## Notes", "", NOTES, ""]
    return "\n".join(out)


def _ingestion(rows: list[dict[str, Any]] | None, targets: list[str]) -> list[str]:
    out = ["## Ingestion throughput", ""]
    if not rows:
        return [*out, "Not run.", ""]
    out += [
        "| incidents served | path | rows loaded | seconds | rows/s | peak RSS (MB) | repeats |",
        "|---|---|---|---|---|---|---|",
    ]
    by: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        by[(r["incidents"], r["mode"])] = r
        if "skipped" in r:
            out.append(f"| {r['incidents']:,} | {r['mode']} | skipped: {r['skipped']} | | | | |")
            continue
        out.append(
            f"| {r['incidents']:,} | {r['mode']} | {r['rows']:,} | {_fmt(r['seconds'])} | "
            f"{_fmt(r['rows_per_sec'], 0)} | {_fmt(r['peak_rss_mb'], 0)} | {r['repeats']} |"
        )
    out.append("")
    sizes = sorted({r["incidents"] for r in rows})
    for n in sizes:
        ops, fetch = by.get((n, "ops")), by.get((n, "fetch"))
        if ops and fetch and "skipped" not in ops:
            ratio = ops["rows_per_sec"] / fetch["rows_per_sec"]
            targets.append(
                _ratio_line(
                    f"ingestion {n:,}: ops rows/s ÷ fetch-only rows/s", ratio, "≥ 0.5", ratio >= 0.5
                )
            )
    if len(sizes) > 1 and (sizes[0], "ops") in by and (sizes[-1], "ops") in by:
        grow = by[(sizes[-1], "ops")]["peak_rss_mb"] / by[(sizes[0], "ops")]["peak_rss_mb"]
        targets.append(
            _ratio_line(f"peak RSS {sizes[-1]:,} ÷ {sizes[0]:,}", grow, "≤ 1.5", grow <= 1.5)
        )
    return out


def _merge(rows: list[dict[str, Any]] | None, targets: list[str]) -> list[str]:
    out = ["## Merge scaling", ""]
    if not rows:
        return [*out, "Not run.", ""]
    out += [
        "| target rows | 1 % delta | seconds | µs per delta row | fixed delta | seconds | repeats |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['rows']:,} | {r['delta_rows']:,} | {_fmt(r['seconds'], 3)} | "
            f"{_fmt(r['us_per_delta_row'], 0)} | {r['fixed_delta_rows']:,} | "
            f"{_fmt(r['fixed_delta_seconds'], 3)} | {r['repeats']} |"
        )
    out.append("")
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        per_row = big["us_per_delta_row"] / small["us_per_delta_row"]
        fixed = big["fixed_delta_seconds"] / small["fixed_delta_seconds"]
        label = f"{big['rows']:,} ÷ {small['rows']:,}"
        targets.append(
            _ratio_line(
                f"merge, 1 % delta, time per delta row, {label}", per_row, "≤ 2", per_row <= 2
            )
        )
        targets.append(
            _ratio_line(
                f"merge, fixed {small['fixed_delta_rows']:,}-row delta, {label}",
                fixed,
                "≤ 2",
                fixed <= 2,
            )
        )
    return out


def _dbt(result: dict[str, Any] | None, targets: list[str]) -> list[str]:
    out = ["## dbt: hourly incremental vs full refresh", ""]
    if not result:
        return [*out, "Not run.", ""]
    full = statistics.median(result["full_refresh_seconds"])
    inc = statistics.median(result["incremental_seconds"])
    full_nodes = _median_nodes(result.get("full_refresh_nodes"))
    inc_nodes = _median_nodes(result.get("incremental_nodes"))
    out += [
        "| run | raw rows | median seconds | runs (s) | models | data tests | unit tests | seeds |",
        "|---|---|---|---|---|---|---|---|",
        f"| `dbt build --full-refresh` (a year) | {result['year_rows']:,} | {_fmt(full, 2)} | "
        f"{', '.join(_fmt(s, 2) for s in result['full_refresh_seconds'])} | {full_nodes} |",
        f"| `dbt build` after one more hour | +{', +'.join(map(str, result['hour_rows']))} | "
        f"{_fmt(inc, 2)} | {', '.join(_fmt(s, 2) for s in result['incremental_seconds'])} | "
        f"{inc_nodes} |",
        "",
        "models / data tests / unit tests / seeds: median seconds of `execution_time` summed over "
        "the nodes of that type in `run_results.json` (nodes overlap on the profile's threads, so "
        "sums can exceed the wall clock). The wall clock beyond them is dbt's start, parse and "
        "scheduling.",
        "",
    ]
    targets.append(
        _ratio_line("dbt full refresh ÷ hourly incremental", full / inc, "≥ 10", full / inc >= 10)
    )
    if result.get("full_refresh_nodes") and result.get("incremental_nodes"):
        # Not a target: what the ratio would be if dbt's fixed cost were nil.
        model_full = statistics.median(n["model"] for n in result["full_refresh_nodes"])
        model_inc = statistics.median(n["model"] for n in result["incremental_nodes"])
        targets.append(
            _ratio_line(
                "(for information) dbt model execution, full refresh ÷ hourly incremental",
                model_full / model_inc,
                "-",
                None,
                "not a target: excludes dbt's fixed cost and tests",
            ).replace("not measured", "information")
        )
    return out


def _median_nodes(runs: list[dict[str, float]] | None) -> str:
    if not runs:
        return " | | | "
    kinds = ("model", "test", "unit_test", "seed")
    return " | ".join(_fmt(statistics.median(r.get(k, 0.0) for r in runs), 2) for k in kinds)


def _imports(result: dict[str, list[float]] | None, targets: list[str]) -> list[str]:
    out = ["## Code-location load", ""]
    if not result:
        return [*out, "Not run.", ""]
    bare, ops = statistics.median(result["bare"]), statistics.median(result["ops_metrics"])
    out += [
        "| fresh interpreter | median seconds | runs (s) |",
        "|---|---|---|",
        f'| `python -c "import dagster, dagster_dbt"` | {_fmt(bare, 2)} | '
        f"{', '.join(_fmt(s, 2) for s in result['bare'])} |",
        f'| `python -c "import ops_metrics.definitions"` | {_fmt(ops, 2)} | '
        f"{', '.join(_fmt(s, 2) for s in result['ops_metrics'])} |",
        "",
    ]
    targets.append(
        _ratio_line(
            "code-location load ÷ bare dagster + dagster_dbt",
            ops / bare,
            "≤ 1.5",
            ops / bare <= 1.5,
        )
    )
    return out
