"""The benchmark runner works end to end (tiny sizes, one repeat). Not a timed test: it checks
that every section is produced, never how fast anything is."""

from pathlib import Path

import pytest

from benchmarks import report, run


@pytest.mark.slow  # a dbt build, subprocesses, two servers, three `dagster asset materialize`s
def test_smoke_run_writes_every_section(tmp_path: Path) -> None:
    output = run.main(["--smoke", "--output", str(tmp_path / "benchmarks.md")])
    text = output.read_text()
    for section in report.SECTIONS:
        assert section in text, section
    assert "Smoke run" in text
    for row in (
        "| fetch |",
        "| ops |",
        "full refresh, whole project",
        "**hourly**",
        "import ops_metrics.definitions",
    ):
        assert row in text, row
    # The fast-server section: both floors, the product without and with Dagster, the marginal
    # table, the target rows and the profile breakdown (py-spy is in the `bench` extra).
    for row in (
        "| fetch + parse only, httpx over loopback HTTP (the floor) |",
        "| fetch + parse only, httpx over bytes in memory (no socket) |",
        "| product path without Dagster (`benchmarks.ingest ops`) |",
        "| `dagster asset materialize` of `incident_io/companya/incidents` |",
        "| path | marginal rows/s | ÷ floor over HTTP | ÷ floor in memory |",
        "| fast server, marginal ",
        "| fast server: materialize peak RSS at ",
        "### Profile of `materialize` (py-spy)",
        "### Cost per row of each step, one thread (`benchmarks.stage_costs`)",
        "| merge (DuckDB) |",
    ):
        assert row in text, row
    assert "Not run." not in text
    # The one-thread rows carry the warehouse clock: DuckDB's share of the run, measured.
    for label in ("full refresh, whole project, on one thread", "hourly on one thread"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
        warehouse_sql = row.split("|")[6].strip()
        assert float(warehouse_sql) > 0, row
    # The hourly run's warehouse SQL at one and three years of history, and its target.
    for row in ("| 1 year |", "| 3 years |", "3 years of history ÷ 1 year"):
        assert row in text, row
