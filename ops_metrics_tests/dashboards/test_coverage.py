"""Dashboards never show a trend from a partly loaded period.

Coverage comes from the load log (raw.ingestion_loads) through the dbt coverage marts: a week is
plotted only when every source of its family loaded it whole, a rolling 28-day figure only when
its whole window was, a week-over-week change only when both weeks were. The fixture's rows are
the same in both builds; only what the log says was loaded differs (42 days, or 3 as after
`ops-metrics demo --days 3`).
"""

import re
from datetime import date, datetime, timedelta

import pytest

from ops_metrics.dashboards.data import HISTORY_DAYS
from ops_metrics.demo import DEFAULT_DAYS
from ops_metrics_tests.dashboards.browser import chromium, chromium_path, inspect_page
from ops_metrics_tests.dashboards.conftest import LOADED_DAYS, BuiltSite
from ops_metrics_tests.dashboards.test_dashboards import artifacts_dir

pytestmark = pytest.mark.slow

PAGES = ("index.html", "engineering-health.html", "ai-adoption.html", "mttr.html")
CHART_PAGES = PAGES[1:]
# Every plotted mark (point or bar) carries "<series>, <week label>: <value>" as its title.
MARK = re.compile(r"<(?:circle|rect)[^>]*><title>([^<]*)</title>")
UNKNOWN_SLOS_MISSING = (
    '<div class="label">SLOs missing objective</div><div class="value">\u2013</div>'
)
CHART = re.compile(r'<svg class="chart[^"]*" id="([^"]+)".*?</svg>', re.S)


def marks(html: str, chart_id: str | None = None) -> list[str]:
    """Week labels of the plotted marks (of one chart, or of every chart)."""
    out = []
    for match in CHART.finditer(html):
        if chart_id is None or match.group(1) == chart_id:
            out += [t.split(", ", 1)[1].rsplit(": ", 1)[0] for t in MARK.findall(match.group(0))]
    return out


def series(html: str, chart_id: str) -> set[str]:
    """Names of the series with at least one plotted mark in a chart."""
    return {
        t.split(", ", 1)[0]
        for m in CHART.finditer(html)
        if m.group(1) == chart_id
        for t in MARK.findall(m.group(0))
    }


def label_week(label: str, weeks: list[date]) -> date:
    return next(w for w in weeks if f"{w:%d %b}" == label)


def runs(site: BuiltSite, family: str) -> dict[date, int]:
    return dict(
        site.query(
            "select week_start, consecutive_complete_weeks from marts.fct_ingestion__weekly_coverage "
            f"where family = '{family}'"
        )
    )


def test_the_coverage_marts_hold_exactly_the_logged_weeks(built_site: BuiltSite) -> None:
    (end,) = built_site.query("select max(window_end) from raw.ingestion_loads")[0]
    start = end - timedelta(days=LOADED_DAYS)
    monday = (start + timedelta(days=(7 - start.weekday()) % 7)).date()
    if datetime.combine(monday, datetime.min.time()) < start:
        monday += timedelta(weeks=1)
    expected = {}
    while datetime.combine(monday + timedelta(days=7), datetime.min.time()) <= end:
        expected[monday] = len(expected) + 1
        monday += timedelta(weeks=1)
    assert len(expected) >= 5
    for family in ("incident_io", "ai_tools"):
        assert {w: n for w, n in runs(built_site, family).items() if n} == expected, family
    periods = built_site.query(
        "select count(*), count(distinct source), min(covered_from), max(covered_until) "
        "from marts.fct_ingestion__source_coverage"
    )
    assert periods == [(10, 10, start, end)]


def test_no_week_that_was_not_loaded_whole_is_plotted(built_site: BuiltSite) -> None:
    for page in CHART_PAGES:
        html = (built_site.site / page).read_text()
        plotted = marks(html)
        assert plotted, page
        # The week in progress is on the axis, starred, and has no mark.
        assert re.search(r">\d\d \w{3}\*</text>", html), page
        assert not [label for label in plotted if label.endswith("*")], page


def test_rolling_slo_figures_need_their_whole_28_day_window(built_site: BuiltSite) -> None:
    html = (built_site.site / "engineering-health.html").read_text()
    loaded = runs(built_site, "incident_io")
    weeks = sorted(loaded)
    plotted = {label_week(label, weeks) for label in marks(html, "slo-attainment")}
    assert plotted
    assert all(loaded[w] >= 4 for w in plotted), {w: loaded[w] for w in plotted}


def test_a_short_history_says_so_and_shows_no_trend(short_site: BuiltSite) -> None:
    assert short_site.result.success
    for page in PAGES:
        html = (short_site.site / page).read_text()
        assert "Not enough history loaded" in html, page
        assert f"--days {HISTORY_DAYS}" in html, page
        assert marks(html) == [], page
        # No change arrow, no percentage change, no error budget or burn rate.
        assert not re.search("[\u25b2\u25bc] \\d", html), page
        assert not re.search(r"[+-]\d+ %", html), page
    health = (short_site.site / "engineering-health.html").read_text()
    assert not re.search(r"\d\.\d\d\u00d7", health)  # burn rate
    assert "no week loaded whole" in health
    assert UNKNOWN_SLOS_MISSING in health  # not "0": nothing is known
    (meta,) = [
        m.materialization.metadata
        for m in short_site.result.get_asset_materialization_events()
        if m.materialization.asset_key.to_user_string() == "dashboards"
    ]
    # Unknown figures are absent (a missing value must not plot as 0 in Dagster's UI).
    for figure in ("mttr_hours", "slo_attainment", "weekly_active_engineers"):
        assert figure not in meta, figure
    assert "incidents_last_week" not in meta


def test_the_demo_loads_every_week_the_pages_need_by_default() -> None:
    assert DEFAULT_DAYS >= HISTORY_DAYS


def test_a_partial_history_shows_complete_weeks_but_no_28_day_figure(
    partial_site: BuiltSite,
) -> None:
    assert partial_site.result.success
    loaded = runs(partial_site, "incident_io")
    assert 1 <= max(loaded.values()) < 4
    health = (partial_site.site / "engineering-health.html").read_text()
    assert "Partial history" in health
    assert marks(health, "incidents-by-severity")  # complete weeks are shown
    assert marks(health, "slo-attainment") == []
    assert "window not loaded" in health
    assert UNKNOWN_SLOS_MISSING in health
    assert not re.search(r"\d\.\d\d\u00d7", health)  # burn rate
    ai = (partial_site.site / "ai-adoption.html").read_text()
    assert marks(ai, "adoption-cohorts")
    # The "none" cohort counts engineers of the last 28 days: never from a shorter history.
    assert "none" not in series(ai, "adoption-cohorts")
    mttr = (partial_site.site / "mttr.html").read_text()
    week = max(w for w, n in loaded.items() if n)
    if loaded[week] < 2:  # the week before the last complete one was not loaded whole
        assert not re.search("[\u25b2\u25bc\u25a0] \\d", mttr)


@pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed (apt-get install chromium)"
)
@pytest.mark.parametrize("history", ["short_site", "partial_site"])
def test_screenshots_of_a_short_and_a_partial_history(
    history: str, request: pytest.FixtureRequest
) -> None:
    site: BuiltSite = request.getfixturevalue(history)
    # Beside, not inside, the shared build's directory (its test clears that one).
    shots = artifacts_dir().with_name(f"dashboards-{history.removesuffix('_site')}")
    with chromium() as endpoint:
        for page in PAGES:
            shot = shots / page.replace(".html", ".png")
            report = inspect_page(endpoint, site.site / page, shot)
            assert report.console_errors == [], page
            assert shot.stat().st_size > 10_000, page
