"""The soak, one day long: every source clean, twice under faults and once under data faults;
the faulty warehouse equals the clean one and the report says so."""

from __future__ import annotations

from pathlib import Path

from ops_metrics.reliability.report import render_markdown
from ops_metrics.reliability.soak import soak


def test_a_one_day_soak_is_identical_to_a_clean_run(tmp_path: Path) -> None:
    report = soak(days=1, workdir=tmp_path)
    assert report.ok, render_markdown(report, "smoke")
    assert len(report.comparisons) == 10 and all(c.clean_rows for c in report.comparisons)
    faulty = [p for p in report.passes if p.profile and p.profile.startswith("soak")]
    assert sum(sum(p.injected.values()) for p in faulty) > 0
    assert sum(p.retries["total"] for p in faulty) > 0
    text = render_markdown(report, "python -m ops_metrics.reliability.soak --days 1")
    assert "**Result: PASS**" in text and "--days 1" in text.splitlines()[5]
