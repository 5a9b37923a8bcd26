"""docs/reliability.md from a soak report: the figures, and the command to reproduce them."""

from __future__ import annotations

import platform
from collections import Counter
from typing import Any


def render_markdown(report: Any, command: str) -> str:
    """`report` is a soak.SoakReport; not imported, because soak imports this module."""
    last = report.first.toordinal() + report.days - 1
    from datetime import date

    period = f"{report.first.isoformat()} … {date.fromordinal(last).isoformat()}"
    faulty = [p for p in report.passes if p.profile and p.profile.startswith("soak")]
    injected: Counter[str] = Counter()
    for p in faulty:
        injected.update(p.injected)
    lines = [
        "# Reliability soak",
        "",
        "Rerun (writes this file; about 4 CPU-minutes, so roughly 10 minutes of wall time "
        "on 2 idle cores. The wall times below were measured while other jobs shared the "
        "machine):",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Every source ({len(_ws())} Incident.io workspaces, hourly partitions; {len(_tools())} AI "
        f"tools, daily partitions) over {report.days} days ({period}), against the in-process "
        "simulators frozen at 2026-03-20T12:00Z, loaded through Dagster into DuckDB: once clean, "
        "then twice over the same warehouse with faults injected (profiles `soak:1`, `soak:2`: "
        "429 with and without Retry-After, 429 with a skewed-clock date, 500/502/503, connection "
        "resets, answers slower than the client timeout, truncated JSON, the same record on two "
        "pages), then once more for Incident.io with data faults (profile `data:3`: a field that "
        "changes type, a required field that is NULL, unknown fields, timestamps with offsets). "
        "See `ops_metrics/simulators/faults.py` and `ops_metrics/reliability/soak.py`.",
        "",
        f"**Result: {'PASS' if report.ok else 'FAIL'}** — faulty raw tables identical to the clean "
        "run row for row (all columns but `_loaded_at`, `_run_id`, `_extracted_at`): "
        f"{sum(c.identical for c in report.comparisons)}/{len(report.comparisons)} tables; "
        f"duplicates {sum(c.duplicates for c in report.comparisons)}; rows lost "
        f"{sum(c.lost for c in report.comparisons) + sum(d.lost for d in report.data_checks)}; "
        f"extra rows {sum(c.extra for c in report.comparisons)}.",
        "",
        "## Passes",
        "",
        "| pass | fault profile | Dagster runs | failed runs | API requests | retries | rows written | rows rejected | wall time |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in report.passes:
        lines.append(
            f"| {p.name} | {p.profile or '-'} | {p.runs} | {len(p.failed_runs)} | {p.requests} | "
            f"{p.retries['total']} | {p.rows_written} | {p.rejected} | {p.seconds:.0f} s |"
        )
    lines += [
        "",
        f"Total wall time {report.wall_seconds:.0f} s ({platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}). The second faulty pass writes no "
        "rows: every record it reads is already there, unchanged.",
        "",
        "## Faults injected (both faulty passes)",
        "",
        "| kind | count |",
        "|---|---:|",
    ]
    for kind, n in sorted(injected.items()):
        lines.append(f"| {kind} | {n} |")
    lines.append(f"| **total** | {sum(injected.values())} |")
    data = [p for p in report.passes if p.profile and p.profile.startswith("data")]
    if data:
        lines += ["", "Data-fault pass (Incident.io):", "", "| kind | count |", "|---|---:|"]
        for kind, n in sorted(data[0].injected.items()):
            lines.append(f"| {kind} | {n} |")
    lines += [
        "",
        "## Raw tables, clean vs faulty",
        "",
        "| table | clean rows | faulty rows | lost | extra | duplicate keys | identical |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in report.comparisons:
        lines.append(
            f"| `raw.{c.table}` | {c.clean_rows} | {c.faulty_rows} | {c.lost} | {c.extra} | "
            f"{c.duplicates} | {'yes' if c.identical else '**no**'} |"
        )
    if report.data_checks:
        lines += [
            "",
            "## Data faults: every record loaded or rejected",
            "",
            "Records the plan breaks beyond coercion go to `raw.<table>__rejects` (reason, record "
            "id, payload, run id) under the default `reject` policy; the rest load, with offsets "
            "normalised to UTC and unknown fields reported as schema drift (WARN checks).",
            "",
            "| workspace | records (clean) | loaded | rejected | rejects expected | lost | both |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for d in report.data_checks:
            lines.append(
                f"| {d.workspace} | {d.clean_ids} | {d.loaded} | {d.rejected} | "
                f"{d.expected_rejects} | {d.lost} | {d.both} |"
            )
    failed = [f"{p.name}: {r}" for p in report.passes for r in p.failed_runs]
    if failed:
        lines += ["", "## Failed runs", "", *[f"- {f}" for f in failed]]
    return "\n".join(lines) + "\n"


def _ws() -> tuple[object, ...]:
    from ops_metrics.registry import WORKSPACES

    return WORKSPACES


def _tools() -> tuple[object, ...]:
    from ops_metrics.registry import TOOLS

    return TOOLS
