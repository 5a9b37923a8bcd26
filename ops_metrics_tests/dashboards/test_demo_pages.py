"""The default `ops-metrics demo`, then every page in headless Chromium: enough history for every
period shown, and no trend or ratio from a partly loaded period. Screenshots go to
<artifacts>/dashboards-demo/ (look at them: they are what a new user sees first)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ops_metrics.dashboards.data import WEEKS_SHOWN
from ops_metrics.demo import RECORDED_DAYS
from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics_tests.dashboards.browser import chromium, chromium_path, inspect_page
from ops_metrics_tests.dashboards.test_coverage import PAGES, label_week, marks
from ops_metrics_tests.dashboards.test_dashboards import PAGES as CHARTS_PER_PAGE
from ops_metrics_tests.dashboards.test_dashboards import artifacts_dir

pytestmark = pytest.mark.slow


@dataclass
class Demo:
    exit_code: int
    home: Path

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    def page(self, name: str) -> str:
        return (self.home / "dashboards" / name).read_text()

    def runs(self, family: str) -> dict:
        return dict(
            self.query(
                "select week_start, consecutive_complete_weeks "
                f"from marts.fct_ingestion__weekly_coverage where family = '{family}'"
            )
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo") / "home"
    env = {**os.environ, "OPS_METRICS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster_home")}
    for name in ("OPS_METRICS_DUCKDB_PATH", "OPS_METRICS_SOURCES", "OPS_METRICS_TARGET"):
        env.pop(name, None)
    # In its own process, as a user runs it: the definitions (and the warehouse resource they
    # build) must come from this environment, not from whatever an earlier test imported.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ops_metrics.cli import main; sys.exit(main(['demo']))",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    print(done.stdout[-4000:], done.stderr[-4000:])
    yield Demo(done.returncode, home)


def test_the_default_demo_loads_every_week_its_pages_show(demo: Demo) -> None:
    assert demo.exit_code == 0
    for family in ("incident_io", "ai_tools"):
        complete = sorted(w for w, n in demo.runs(family).items() if n)
        # Every week shown, each with its whole 28-day window (the longest a figure spans).
        assert len(complete) >= WEEKS_SHOWN + 3, family
        assert max(demo.runs(family).values()) >= WEEKS_SHOWN + 3, family
    for page in PAGES:
        html = demo.page(page)
        assert "Not enough history" not in html and "Partial history" not in html, page


def test_no_figure_of_the_demo_comes_from_a_partly_loaded_period(demo: Demo) -> None:
    ops = demo.runs("incident_io")
    weeks = sorted(ops)
    for page in PAGES[1:]:
        plotted = marks(demo.page(page))
        assert plotted, page
        assert not [label for label in plotted if label.endswith("*")], page
    health = demo.page("engineering-health.html")
    assert "window not loaded" not in health
    slo_weeks = {label_week(label, weeks) for label in marks(health, "slo-attainment")}
    assert len(slo_weeks) >= 8 and all(ops[w] >= 4 for w in slo_weeks)


def test_dagster_dev_on_the_demo_home_shows_its_recent_named_runs(demo: Demo) -> None:
    # The older history ran in memory (fast); the instance `dagster dev` reads holds one named
    # run per source and the build, and the last RECORDED_DAYS days of partitions.
    # The demo ran with DAGSTER_HOME at its home/dagster_home.
    with dg.DagsterInstance.from_config(str(demo.home / "dagster_home")) as i:
        runs = i.get_runs()
        assert {r.job_name for r in runs} == {
            *(f"ingest_{e.family}__{e.name}" for e in (*WORKSPACES, *TOOLS)),
            "models_and_dashboards",
        }
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        hours = i.get_materialized_partitions(dg.AssetKey(WORKSPACES[0].asset_key))
        assert len(hours) == RECORDED_DAYS * 24
        days = i.get_materialized_partitions(dg.AssetKey(TOOLS[0].asset_key))
        assert len(days) == RECORDED_DAYS


@pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_screenshots_of_every_page_after_the_default_demo(demo: Demo) -> None:
    # Beside, not inside, the shared build's directory (its test clears that one).
    shots = artifacts_dir().with_name("dashboards-demo")
    with chromium() as endpoint:
        for page, charts in CHARTS_PER_PAGE.items():
            shot = shots / page.replace(".html", ".png")
            report = inspect_page(endpoint, demo.home / "dashboards" / page, shot)
            assert report.console_errors == [], page
            assert report.check == "ok", (page, report.check)
            assert report.charts == charts and report.nonempty_charts == charts, (page, report)
            assert shot.stat().st_size > 10_000, page
