"""The one benchmark runner: `python -m benchmarks.run [--smoke] [--output PATH]`.

Runs every measurement in fresh subprocesses, takes medians and writes a Markdown report
(docs/benchmarks.md by default). `--smoke` uses tiny sizes and one repeat: it checks that the
runner works, not how fast anything is.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from benchmarks import code_location, machine, report
from benchmarks.common import REPO_ROOT, RESULT_PREFIX, median_of, run_worker


@dataclass(frozen=True)
class Plan:
    ingest_sizes: tuple[int, ...] = (10_000, 100_000)
    ingest_repeats: dict[int, int] | None = None  # per size; default 3
    dlt_sizes: tuple[int, ...] = (10_000,)  # dlt needs ~0.5 GB per 1k incidents: 100k won't fit
    merge_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    merge_repeats: int = 3
    dbt_incidents_per_workspace: int = 20_000
    dbt_days: int = 365
    dbt_repeats: int = 3
    # The hourly run's warehouse SQL at these years of history (the target: 3 years ÷ 1 year).
    dbt_history_years: tuple[int, ...] = (1, 3)
    import_repeats: int = 5
    # The fast server (benchmarks.fast_server): the client's floor and the product through
    # `dagster asset materialize`; two sizes so start-up and per-partition costs cancel.
    fast_sizes: tuple[int, ...] = (20_000, 100_000)
    fast_partition_range: str = "2026-01-01-00:00...2026-01-31-23:00"  # a month, hourly
    profile: bool = True  # py-spy over the largest fast size's materialize (if installed)
    # Rounds of the fast section: each measures every size and path again, so a loaded machine's
    # drift shows as disagreement between rounds rather than hiding in one pair of runs.
    fast_rounds: int = 1

    def repeats_for(self, size: int) -> int:
        return (self.ingest_repeats or {}).get(size, 3)


FULL = Plan(ingest_repeats={10_000: 3, 100_000: 1}, dlt_sizes=(10_000,), dbt_repeats=3)
SMOKE = Plan(
    ingest_sizes=(300,),
    ingest_repeats={300: 1},
    dlt_sizes=(),
    merge_sizes=(1_000, 2_000),
    merge_repeats=1,
    dbt_incidents_per_workspace=300,
    dbt_days=3,
    dbt_repeats=1,
    import_repeats=1,
    fast_sizes=(300, 600),
    fast_partition_range="2026-01-31-00:00...2026-01-31-03:00",  # four partitions: seconds
)


def start_server(
    incidents: int, module: str = "benchmarks.sim_server"
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--incidents", str(incidents)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(RESULT_PREFIX):
            port = json.loads(line[len(RESULT_PREFIX) :])["port"]
            return proc, f"http://127.0.0.1:{port}"
    raise RuntimeError(f"{module} exited before serving")


def stop_server(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()  # sim_server stops when its stdin closes
    proc.wait(timeout=30)


def ingestion(plan: Plan, log: Any) -> list[dict[str, Any]]:
    from benchmarks.ingest import API_KEY, window_params

    has_dlt = importlib.util.find_spec("dlt") is not None
    rows = []
    for size in plan.ingest_sizes:
        proc, url = start_server(size)
        try:
            # The simulator computes a query's matches on its first page: warm it for all modes.
            httpx.get(
                f"{url}/v2/incidents",
                params=window_params(),
                headers={"Authorization": f"Bearer {API_KEY}"},
                timeout=600,
            )
            modes = ["fetch", "ops"] + (["dlt"] if has_dlt and size in plan.dlt_sizes else [])
            runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
            for r in range(plan.repeats_for(size)):
                for mode in modes:
                    if mode == "dlt" and r > 0:
                        continue  # one dlt load: minutes and gigabytes each
                    log(f"ingestion {size}: {mode} (repeat {r + 1})")
                    runs[mode].append(run_worker("benchmarks.ingest", [mode, "--base-url", url]))
        finally:
            stop_server(proc)
        for mode, results in runs.items():
            rows.append(
                {
                    "incidents": size,
                    "mode": mode,
                    "repeats": len(results),
                    "rows": results[0]["rows"],
                    "seconds": median_of(results, "seconds"),
                    "rows_per_sec": median_of(results, "rows_per_sec"),
                    "peak_rss_mb": median_of(results, "peak_rss_mb"),
                }
            )
        if "dlt" not in modes:
            reason = "dlt not installed" if not has_dlt else "not run at this size"
            rows.append({"incidents": size, "mode": "dlt", "skipped": reason})
    return rows


def fast_ingestion(plan: Plan, log: Any, profile_dir: Path) -> dict[str, Any]:
    """Against the fast server, side by side per size: the fetch-only floor over HTTP and over
    bytes in memory, the product's path without Dagster (`ops`), and `dagster asset materialize`.
    Then, at the largest size, the same materialize under py-spy for the profile breakdown."""
    from benchmarks import profile_breakdown

    rows: list[dict[str, Any]] = []
    profile: dict[str, Any] = {}
    stage_costs: dict[str, Any] = {}
    for rnd, size in ((r, n) for r in range(1, plan.fast_rounds + 1) for n in plan.fast_sizes):
        proc, url = start_server(size, module="benchmarks.fast_server")
        try:
            for mode in ("fetch", "fetch-memory", "ops", "materialize"):
                load = machine.load_average()
                log(f"fast server {size}: {mode} (round {rnd})")
                if mode == "materialize":
                    args = ["--base-url", url, "--partition-range", plan.fast_partition_range]
                    result = run_worker("benchmarks.materialize", args)
                else:
                    args = [mode, "--base-url", url, "--incidents", str(size)]
                    result = run_worker("benchmarks.ingest", args)
                rows.append({"round": rnd, "incidents": size, **result, "load_before": load})
            last = rnd == plan.fast_rounds and size == plan.fast_sizes[-1]
            if plan.profile and last:
                if shutil.which("py-spy") is None:
                    profile = {"skipped": "py-spy not installed (pip install py-spy)"}
                else:
                    log(f"fast server {size}: materialize under py-spy")
                    stacks = profile_dir / f"materialize_{size}.pyspy.txt"
                    load = machine.load_average()
                    args = ["--base-url", url, "--partition-range", plan.fast_partition_range]
                    run_worker("benchmarks.materialize", [*args, "--profile", str(stacks)])
                    profile = {
                        "incidents": size,
                        "load_before": load,
                        "stacks": str(stacks),
                        **profile_breakdown.breakdown(stacks.read_text()),
                    }
            if last:
                log(f"fast server {size}: each step's cost per row (stage_costs)")
                load = machine.load_average()
                pages = str(max(1, min(100, size // 250)))
                args = ["--base-url", url, "--pages", pages]
                stage_costs = {**run_worker("benchmarks.stage_costs", args), "load_before": load}
        finally:
            stop_server(proc)
    return {
        "rows": rows,
        "profile": profile,
        "stage_costs": stage_costs,
        "partition_range": plan.fast_partition_range,
    }


def merge_scaling(plan: Plan, log: Any) -> list[dict[str, Any]]:
    out = []
    for size in plan.merge_sizes:
        log(f"merge into {size} rows")
        runs = [
            run_worker("benchmarks.merge_scaling", ["--rows", str(size)])
            for _ in range(plan.merge_repeats)
        ]
        out.append(
            {
                "rows": size,
                "delta_rows": runs[0]["delta_rows"],
                "repeats": len(runs),
                "seconds": median_of(runs, "seconds"),
                "us_per_delta_row": median_of(runs, "us_per_delta_row"),
                "fixed_delta_rows": runs[0]["fixed_delta_rows"],
                "fixed_delta_seconds": median_of(runs, "fixed_delta_seconds"),
            }
        )
    return out


def dbt(plan: Plan, log: Any) -> dict[str, Any]:
    log(f"dbt: {plan.dbt_days} days of raw data, full refresh vs hourly incremental")
    result = run_worker(
        "benchmarks.dbt_bench",
        [
            "--incidents-per-workspace",
            str(plan.dbt_incidents_per_workspace),
            "--days",
            str(plan.dbt_days),
            "--repeats",
            str(plan.dbt_repeats),
        ],
    )
    result["history"] = []
    for years in plan.dbt_history_years:
        log(f"dbt: the hourly run's warehouse SQL at {years} year(s) of history")
        result["history"].append(
            run_worker(
                "benchmarks.dbt_bench",
                [
                    "--hourly-only",
                    "--history-years",
                    str(years),
                    "--incidents-per-workspace",
                    str(plan.dbt_incidents_per_workspace),
                    "--days",
                    str(plan.dbt_days),
                    "--repeats",
                    str(plan.dbt_repeats),
                ],
            )
        )
    return result


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["ingestion", "fast", "merge", "dbt", "imports"],
        help="run only these sections (the others are reported as not run)",
    )
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ops_metrics_bench",
        help="where py-spy's collapsed stacks of the profiled run are kept",
    )
    parser.add_argument("--results-json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--fast-rounds",
        type=int,
        default=1,
        help="measure the fast-server section this many times (a loaded machine's drift shows)",
    )
    args = parser.parse_args(argv)
    plan = replace(SMOKE if args.smoke else FULL, fast_rounds=args.fast_rounds)
    only = set(args.only or ["ingestion", "fast", "merge", "dbt", "imports"])

    def log(msg: str) -> None:
        print(f"[bench] {msg} (load {machine.load_average()})", file=sys.stderr, flush=True)

    results: dict[str, Any] = {"machine": machine.describe(), "smoke": args.smoke, "plan": plan}
    if "ingestion" in only:
        results["ingestion"] = ingestion(plan, log)
    if "fast" in only:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
        results["fast"] = fast_ingestion(plan, log, args.profile_dir)
    if "merge" in only:
        results["merge"] = merge_scaling(plan, log)
    if "dbt" in only:
        results["dbt"] = dbt(plan, log)
    if "imports" in only:
        log("code-location load")
        results["imports"] = code_location.measure(plan.import_repeats)
    results["load_average_at_end"] = machine.load_average()
    if args.results_json:
        args.results_json.write_text(json.dumps(results, default=str, indent=1))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # A partial run keeps the sections it did not re-measure from the report it replaces.
    previous = args.output.read_text() if args.only and args.output.exists() else None
    args.output.write_text(report.render(results, previous))
    log(f"wrote {args.output}")
    return args.output


if __name__ == "__main__":
    main()
