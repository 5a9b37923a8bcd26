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
  (load averages above, 6-10 during the committed run): absolute figures are noisy, by up to 2x between repeats;
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
  an hourly load's do. The merge's join scans the target's key and compared columns, so a
  fixed-size delta costs more on a bigger table; updates scattered over the whole table cost
  more still (DuckDB rewrites every touched row group at checkpoint).
- **dbt.** Both runs are `dbt build --select tag:ops` (the incident models and their tests,
  what the hourly job runs) through `dbtRunner`, on a temp DuckDB file. Raw tables hold one
  year (2025) of three workspaces, loaded through `incident_row` + `DuckDBWarehouse.merge`
  without HTTP. The incremental run follows one more simulated hour merged into raw.
- **Missed: dbt ≥ 10x.** Both runs are dominated by what does not shrink with the data: dbt's
  start, parse and DAG (~8-10 s here before any SQL) and work the models redo on every run: the
  staging views deduplicate the whole raw table (`row_number()` over all rows), the incremental
  mart's post-hook scans every incident, and `fct_ops__mttr_weekly` / the bridge are full
  tables rebuilt each time. A year here is ~29k incidents, so the SQL is a few seconds at most.
  Meeting 10x needs model changes (incremental staging or pushing the lookback into staging,
  an incremental bridge, a narrower post-hook) that change dbt semantics the full-refresh =
  incremental tests guard; left for a follow-up rather than done blind under contention.
- **Missed: fixed-size merge delta ≤ 2x across 10k-1M.** The 1 % delta's cost per row falls as
  the table grows (fixed costs amortised), but a fixed 1k delta costs ~4x more on 1M rows than
  on 10k: `classify` and `MERGE` join the stage against a full scan of the target (DuckDB uses
  hash joins, not the primary-key index). A key-filtered target (`where id in (select id from
  stage)`) may help; not attempted within this change."""


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def _ratio_line(
    name: str, value: float | None, target: str, ok: bool | None, note: str = ""
) -> str:
    verdict = "not measured" if ok is None else ("met" if ok else "**missed**")
    shown = "-" if value is None else _fmt(value, 2)
    return f"| {name} | {shown} | {target} | {verdict} | {note} |"


def render(results: dict[str, Any]) -> str:
    out = ["# Benchmarks", ""]
    if results.get("smoke"):
        out += ["> Smoke run: tiny sizes, one repeat. The figures mean nothing.", ""]
    out += ["Written by `python -m benchmarks.run`; do not edit by hand.", ""]
    out += ["## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in results["machine"].items()]
    out += [f"| load average at end | {results.get('load_average_at_end', '-')} |", ""]
    targets: list[str] = []
    out += _ingestion(results.get("ingestion"), targets)
    out += _merge(results.get("merge"), targets)
    out += _dbt(results.get("dbt"), targets)
    out += _imports(results.get("imports"), targets)
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
    out += [
        "| run | raw rows | median seconds | runs (s) |",
        "|---|---|---|---|",
        f"| `dbt build --full-refresh` (a year) | {result['year_rows']:,} | {_fmt(full, 2)} | "
        f"{', '.join(_fmt(s, 2) for s in result['full_refresh_seconds'])} |",
        f"| `dbt build` after one more hour | +{', +'.join(map(str, result['hour_rows']))} | "
        f"{_fmt(inc, 2)} | {', '.join(_fmt(s, 2) for s in result['incremental_seconds'])} |",
        "",
    ]
    targets.append(
        _ratio_line("dbt full refresh ÷ hourly incremental", full / inc, "≥ 10", full / inc >= 10)
    )
    return out


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
