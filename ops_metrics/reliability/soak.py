"""The soak: N days of every source under injected faults, twice over, compared with a clean run.

    python -m ops_metrics.reliability.soak            # 90 days, writes docs/reliability.md

Passes, each through Dagster (`dg.materialize`, in-memory instance) into its own DuckDB file,
against the in-process simulators frozen at FROZEN_AT:

1. clean: no faults;
2. faulty: profile `soak:1` (every transient fault plus the same record on two pages);
3. faulty again over the same warehouse: profile `soak:2` (other faults, same data);
4. data faults on Incident.io: profile `data:3` (type changes, NULL required fields, unknown
   fields, offsets), checking every record is loaded or rejected, never lost.

The faulty warehouse must equal the clean one row for row (load columns aside). Retries use
a tiny real backoff (the soak really waits; unit tests record their waits instead).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.registry import WORKSPACES
from ops_metrics.reliability.report import render_markdown
from ops_metrics.settings import PROJECT_ROOT
from ops_metrics.simulators.faults import FaultInjector, plan_from_profile
from ops_metrics.sources import SourcesResource, simulator_app
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics.warehouse.table import LOAD_LOG

FROZEN_AT = "2026-03-20T12:00:00+00:00"
LOAD_COLUMNS = {"_extracted_at", "_loaded_at", "_run_id"}
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
BACKOFF_SECONDS = 0.002
CHUNK_DAYS = 7  # one Dagster run per week per source family: range runs, as backfills are


@dataclass
class PassStats:
    name: str
    profile: str | None
    runs: int = 0
    failed_runs: list[str] = field(default_factory=list)
    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    rows_written: int = 0
    rejected: int = 0
    seconds: float = 0.0


def _chunks(first: date, days: int) -> list[tuple[date, date]]:
    out = []
    for start in range(0, days, CHUNK_DAYS):
        out.append(
            (first + timedelta(days=start), first + timedelta(min(start + CHUNK_DAYS, days) - 1))
        )
    return out


def run_pass(
    stats: PassStats,
    warehouse: DuckDBWarehouse,
    instance: dg.DagsterInstance,
    first: date,
    days: int,
    families: tuple[str, ...] = ("incident_io", "ai_tools"),
) -> PassStats:
    sources = SourcesResource(
        simulator_frozen_at=FROZEN_AT,
        simulator_faults=stats.profile,
        retry_base_delay_seconds=BACKOFF_SECONDS,
    )
    resources = {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": sources,
    }
    started = time.monotonic()
    for lo, hi in _chunks(first, days):
        for family in families:
            assets: list[Any] = incident_assets if family == "incident_io" else tool_assets
            if family == "incident_io":
                tags = (f"{lo.isoformat()}-00:00", f"{hi.isoformat()}-23:00")
            else:
                tags = (lo.isoformat(), hi.isoformat())
            result = dg.materialize(
                assets,
                resources=resources,
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": tags[0],
                    "dagster/asset_partition_range_end": tags[1],
                },
                run_config=QUIET,
                raise_on_error=False,
            )
            stats.runs += 1
            if not result.success:
                stats.failed_runs.append(f"{family} {tags[0]}…{tags[1]}")
            _collect(stats, result)
    stats.seconds += time.monotonic() - started
    if stats.profile:
        injector = _injector(stats.profile)
        stats.injected = Counter(injector.injected)
    return stats


def _injector(profile: str) -> FaultInjector:
    app = simulator_app(None, FROZEN_AT, profile)
    [found] = [m for m in app.middleware if isinstance(m, FaultInjector)]
    return found


def _collect(stats: PassStats, result: dg.ExecuteInProcessResult) -> None:
    # A range run stores one materialisation per partition, each with the run's metadata.
    seen: set[str] = set()
    for event in result.get_asset_materialization_events():
        key = event.asset_key.to_user_string()
        if key in seen:
            continue
        seen.add(key)
        meta = {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}
        stats.requests += int(meta.get("api_requests") or 0)
        stats.retries["total"] += int(meta.get("api_retries") or 0)
        stats.rows_written += int(meta.get("rows_inserted") or 0) + int(
            meta.get("rows_updated") or 0
        )
        stats.rejected += int(meta.get("rows_rejected") or 0)


def raw_tables(warehouse: DuckDBWarehouse) -> list[str]:
    rows = warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
    )
    return [r[0] for r in rows]


def table_rows(warehouse: DuckDBWarehouse, name: str, skip: set[str] = LOAD_COLUMNS) -> list:
    columns = [
        c
        for (c,) in warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [name],
        )
        if c not in skip
    ]
    return warehouse.query(f"select {', '.join(columns)} from raw.{name} order by all")


@dataclass
class Comparison:
    table: str
    clean_rows: int
    faulty_rows: int
    lost: int
    extra: int
    duplicates: int

    @property
    def identical(self) -> bool:
        return self.lost == 0 and self.extra == 0 and self.duplicates == 0


def compare(clean: DuckDBWarehouse, faulty: DuckDBWarehouse) -> list[Comparison]:
    out = []
    # The sources' tables; the rejects and the load log (run bookkeeping: its times differ
    # between any two runs) are not data to compare.
    tables = [t for t in raw_tables(clean) if not t.endswith("__rejects") and t != LOAD_LOG.name]
    for name in tables:
        want, got = table_rows(clean, name), table_rows(faulty, name)
        keys = _key_columns(name)
        (dupes,) = faulty.query(
            f"select count(*) - count(distinct ({', '.join(keys)})) from raw.{name}"
        )[0]
        want_c, got_c = Counter(want), Counter(got)
        out.append(
            Comparison(
                name,
                len(want),
                len(got),
                sum((want_c - got_c).values()),
                sum((got_c - want_c).values()),
                int(dupes),
            )
        )
    return out


def _key_columns(table: str) -> tuple[str, ...]:
    if table.startswith("incident_io__"):
        return ("id",)
    return ("tool", "usage_date", "engineer_identifier")


@dataclass
class DataCheck:
    workspace: str
    clean_ids: int
    loaded: int
    rejected: int
    expected_rejects: int
    lost: int
    both: int


def check_data_faults(
    clean: DuckDBWarehouse, data: DuckDBWarehouse, profile: str
) -> list[DataCheck]:
    """Every record of the clean run is in the data-fault run's table or its rejects, never both,
    and the rejects are exactly the records the plan broke."""
    plan = plan_from_profile(profile)
    out = []
    for ws in WORKSPACES:
        table = f"raw.{ws.raw_table}"
        clean_ids = {r[0] for r in clean.query(f"select id from {table}")}
        loaded = {r[0] for r in data.query(f"select id from {table}")}
        rejected = set()
        if f"{ws.raw_table}__rejects" in raw_tables(data):
            rejected = {r[0] for r in data.query(f"select record_id from {table}__rejects")}
        expected = {i for i in clean_ids if plan.rejected(i)}
        out.append(
            DataCheck(
                ws.name,
                len(clean_ids),
                len(loaded),
                len(rejected),
                len(expected),
                len(clean_ids - loaded - rejected) + len(rejected ^ expected),
                len(loaded & rejected),
            )
        )
    return out


@dataclass
class SoakReport:
    days: int
    first: date
    passes: list[PassStats]
    comparisons: list[Comparison]
    data_checks: list[DataCheck]
    wall_seconds: float

    @property
    def ok(self) -> bool:
        return (
            all(c.identical for c in self.comparisons)
            and all(d.lost == 0 and d.both == 0 for d in self.data_checks)
            and not any(p.failed_runs for p in self.passes)
        )


def soak(days: int, workdir: Path, data_faults: bool = True) -> SoakReport:
    started = time.monotonic()
    last_day = datetime.fromisoformat(FROZEN_AT).date() - timedelta(days=1)
    first = last_day - timedelta(days=days - 1)
    clean_wh = DuckDBWarehouse(path=str(workdir / "clean.duckdb"))
    faulty_wh = DuckDBWarehouse(path=str(workdir / "faulty.duckdb"))
    passes = []
    with dg.DagsterInstance.ephemeral() as instance:
        passes.append(run_pass(PassStats("clean", None), clean_wh, instance, first, days))
    with dg.DagsterInstance.ephemeral() as instance:
        for n in (1, 2):
            stats = PassStats(f"faulty #{n}", f"soak:{n}")
            passes.append(run_pass(stats, faulty_wh, instance, first, days))
    data_checks: list[DataCheck] = []
    if data_faults:
        data_wh = DuckDBWarehouse(path=str(workdir / "data_faults.duckdb"))
        with dg.DagsterInstance.ephemeral() as instance:
            stats = PassStats("data faults (Incident.io)", "data:3")
            passes.append(run_pass(stats, data_wh, instance, first, days, ("incident_io",)))
        data_checks = check_data_faults(clean_wh, data_wh, "data:3")
    return SoakReport(
        days, first, passes, compare(clean_wh, faulty_wh), data_checks, time.monotonic() - started
    )


def render(report: SoakReport, command: str) -> str:
    return render_markdown(report, command)


# Sections of docs/reliability.md written by hand (the hostile-source tables), kept when the
# soak rewrites its figures above them.
HAND_WRITTEN = "## Hostile sources"


def hand_written(path: Path) -> str:
    """The hand-written tail of `path`: from its first HAND_WRITTEN heading on ('' if none)."""
    if not path.exists():
        return ""
    text = path.read_text()
    at = text.find(f"\n{HAND_WRITTEN}")
    return "" if at < 0 else "\n" + text[at:].lstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--out", default=str(PROJECT_ROOT / "docs" / "reliability.md"))
    parser.add_argument(
        "--workdir", default=None, help="where the DuckDB files go (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=Warning, module="dagster")
    with tempfile.TemporaryDirectory(prefix="ops-metrics-soak-") as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = soak(args.days, workdir)
    command = "python -m ops_metrics.reliability.soak" + (
        f" --days {args.days}" if args.days != 90 else ""
    )
    out = Path(args.out)
    text = render(report, command) + hand_written(out)
    out.write_text(text)
    print(text)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
