"""The `dashboards` asset on the shared build: files, metadata, and each page in a real headless
Chromium opened from file:// (charts drawn, no console error, a screenshot per page)."""

import os
import re
import shutil
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.settings import PROJECT_ROOT
from ops_metrics_tests.dashboards.browser import chromium, chromium_path, inspect_page
from ops_metrics_tests.dashboards.conftest import BuiltSite

pytestmark = pytest.mark.slow

PAGES = {
    "index.html": 0,
    "engineering-health.html": 2,
    "ai-adoption.html": 3,
    "mttr.html": 2,
}


def artifacts_dir() -> Path:
    """Screenshots outlive the test's temporary directory (CI can upload them)."""
    base = os.environ.get("OPS_METRICS_TEST_ARTIFACTS") or PROJECT_ROOT / ".tmp-artifacts"
    return Path(base) / "dashboards"


def test_the_site_is_self_contained(built_site: BuiltSite) -> None:
    for page in PAGES:
        html = (built_site.site / page).read_text()
        # Nothing fetched: no external script, stylesheet, image or font.
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), page
        assert "<script src" not in html and "<link" not in html
        assert "Data as of" in html or "data as of" in html


def test_headline_metadata_on_the_dashboards_and_the_marts(built_site: BuiltSite) -> None:
    mats = {
        m.materialization.asset_key.to_user_string(): m.materialization.metadata
        for m in built_site.result.get_asset_materialization_events()
    }
    meta = mats["dashboards"]
    assert isinstance(meta["mttr_hours"], dg.FloatMetadataValue)
    assert isinstance(meta["slo_attainment"], dg.FloatMetadataValue)
    assert meta["weekly_active_engineers"].value >= 5
    assert "SLO attainment" in meta["summary"].value
    observed = {
        e.event_specific_data.asset_observation.asset_key.to_user_string(): (
            e.event_specific_data.asset_observation.metadata
        )
        for e in built_site.result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    }
    assert "mttr_hours" in observed["marts/fct_ops__mttr_weekly"]
    assert "slo_attainment" in observed["marts/fct_ops__slo_attainment"]
    assert "weekly_active_engineers" in observed["marts/fct_ai_telemetry__weekly_adoption"]


@pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_every_page_renders_in_headless_chromium(built_site: BuiltSite) -> None:
    shots = artifacts_dir()
    shutil.rmtree(shots, ignore_errors=True)
    with chromium() as endpoint:
        for page, charts in PAGES.items():
            shot = shots / page.replace(".html", ".png")
            report = inspect_page(endpoint, built_site.site / page, shot)
            assert report.console_errors == [], page
            assert report.check == "ok", (page, report.check)
            assert report.charts == charts and report.nonempty_charts == charts, (page, report)
            assert "ops_metrics" in report.title
            assert shot.stat().st_size > 10_000, page
