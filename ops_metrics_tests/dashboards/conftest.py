"""One dbt build + dashboards render on a small fixture, shared by the dashboard tests.

The dbt tests' raw fixture, with Incident.io's real severity names (so incidents meet the SLO
seed) and enough engineers for the AI privacy threshold (5) on some tools but not others.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from ops_metrics.dashboards.assets import dashboards
from ops_metrics.dbt.assets import ops_metrics_dbt_assets
from ops_metrics.dbt.project import ops_metrics_dbt_project
from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.table import LOAD_LOG
from ops_metrics_tests.dbt.raw_fixture import create_raw_tables, usage

SEVERITY_NAMES = {"SEV1": "Critical", "SEV2": "Major", "SEV3": "Minor"}
# Six more engineers on two tools: llm_gateway and claude_code reach 9 engineers a week, cursor
# keeps its 3 and is rolled up into "Other tools", which claude_code joins so that it reaches 5.
EXTRA_ENGINEERS = tuple(f"engineer{n}@example.com" for n in range(6))


@dataclass
class BuiltSite:
    home: Path
    warehouse: Path
    result: dg.ExecuteInProcessResult
    dbt: DbtCliResource

    @property
    def site(self) -> Path:
        return self.home / "dashboards"

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


def _adjust_fixture(path: Path, now: datetime) -> None:
    with duckdb.connect(str(path)) as con:
        for workspace in ("companya", "companyb", "companyc"):
            for old, new in SEVERITY_NAMES.items():
                con.execute(
                    f"update raw.incident_io__{workspace}__incidents set severity = ? "
                    "where severity = ?",
                    [new, old],
                )
        rows = []
        for offset in range(1, 15):
            day = now.date() - timedelta(days=offset)
            for n, email in enumerate(EXTRA_ENGINEERS):
                k = offset + n
                rows.append(
                    usage(now, "llm_gateway", day, email, email, requests=k, tokens=9000 * k)
                )
                rows.append(usage(now, "claude_code", day, email, email, requests=k))
        columns = list(rows[0])
        marks = ", ".join("?" for _ in columns)
        for tool in ("llm_gateway", "claude_code"):
            con.executemany(
                f"insert into raw.ai_tools__{tool}__daily_usage ({', '.join(columns)}) "
                f"values ({marks})",
                [[r[c] for c in columns] for r in rows if r["tool"] == tool],
            )


# How far back the fixture says every source was loaded: six complete weeks or more, so the
# rolling 28-day figures of the last two complete weeks have their whole window (the fixture's
# incidents and usage are all within 20 days; the weeks before simply had none).
LOADED_DAYS = 42


def log_loads(con: duckdb.DuckDBPyConnection, now: datetime, days: int) -> None:
    """The load log the stage-and-merge IO manager would have written had the fixture come
    through ingestion: every registry source loaded over [now - days, last whole hour)."""
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    columns = ", ".join(c.name for c in LOAD_LOG.all_columns)
    types = ", ".join(f"{c.name} {c.type}" for c in LOAD_LOG.all_columns)
    con.execute(f"create table if not exists {LOAD_LOG.qualified} ({types})")
    con.executemany(
        f"insert into {LOAD_LOG.qualified} ({columns}) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [[source, source.split("/")[0], start, end, 0, now, now, "fixture"] for source in SOURCES],
    )


SOURCES = [
    *("/".join(ws.asset_key) for ws in WORKSPACES),
    *("/".join(tool.asset_key) for tool in TOOLS),
]


def _build(root: Path, loaded_days: int) -> BuiltSite:
    home, path = root / "home", root / "warehouse.duckdb"
    now = datetime.now(UTC).replace(tzinfo=None)
    # The build's environment only while it runs: a shared build outlives the module that first
    # asks for it, and each test gets its home and warehouse back from _shared_site_env.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPS_METRICS_HOME", str(home))
        mp.setenv("OPS_METRICS_DUCKDB_PATH", str(path))
        mp.setenv("OPS_METRICS_TARGET", "duckdb")
        create_raw_tables(path, now)
        _adjust_fixture(path, now)
        with duckdb.connect(str(path)) as con:
            log_loads(con, now, loaded_days)
        dbt = DbtCliResource(project_dir=ops_metrics_dbt_project, target="duckdb")
        result = dg.materialize(
            [ops_metrics_dbt_assets, dashboards],
            resources={"dbt": dbt, "warehouse": DuckDBWarehouse(path=str(path))},
            raise_on_error=False,
        )
    return BuiltSite(home, path, result, dbt)


# One build for the session: test_coverage, test_dashboards and test_slo only read it (queries
# on read-only connections, the pages, and unit tests that build nothing), and a dbt build of the
# whole project plus the dashboards is over a minute on 2 cores.
@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(tmp_path_factory.mktemp("dashboards"), LOADED_DAYS)


# As after `ops-metrics demo --days 3`: the same rows, but only three days logged as loaded.
SHORT_DAYS = 3


@pytest.fixture(scope="module")
def short_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(tmp_path_factory.mktemp("dashboards-short"), SHORT_DAYS)


# As after `ops-metrics demo --days 14`: one or two complete weeks, no whole 28-day window.
PARTIAL_DAYS = 14


@pytest.fixture(scope="module")
def partial_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(tmp_path_factory.mktemp("dashboards-partial"), PARTIAL_DAYS)


@pytest.fixture(autouse=True)
def _shared_site_env(
    _isolated_home: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests using a shared build see its warehouse and home, not a fresh empty one."""
    for name in ("built_site", "short_site", "partial_site"):
        if name in request.fixturenames:
            site: BuiltSite = request.getfixturevalue(name)
            monkeypatch.setenv("OPS_METRICS_HOME", str(site.home))
            monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(site.warehouse))
