"""The command line as a user meets it: arguments checked before anything runs, help that says
what each command touches, failures reported as one line naming their cause (the full text in a
per-run log), named runs, and `ops-metrics sql` on the warehouse."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ops_metrics import settings
from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.cli import main
from ops_metrics.console import RunLog
from ops_metrics.definitions import defs
from ops_metrics.demo import Outcome, execute, summarize
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.pipeline import PipelineSteps, Step, one_line
from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 20, 12, 30, tzinfo=UTC)
ENTRIES = (*WORKSPACES, *TOOLS)


def _without_source_variables(env: dict[str, str]) -> dict[str, str]:
    return {
        k: v
        for k, v in env.items()
        if not k.startswith(("INCIDENT_IO_", "AI_TOOLS_", "OPS_METRICS_", "DAGSTER_HOME"))
    }


# --- arguments and help ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-2", "seven", "1.5"])
def test_days_must_be_a_positive_whole_number(value: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--days", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --days" in err
    assert len(err.strip().splitlines()[-1]) < 120


@pytest.mark.parametrize("command", ["demo", "sql", "simulator", "dbt-codegen"])
def test_every_subcommand_says_what_it_does_and_what_it_touches(
    command: str, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "Touches:" in out
    touched = out.split("Touches:", 1)[1].lower()
    assert "network" in touched and ("warehouse" in touched or "files" in touched)


def test_a_bad_mode_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("OPS_METRICS_SOURCES", "production")
    assert main(["demo", "--days", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "OPS_METRICS_SOURCES" in err and "Traceback" not in err


# --- named jobs -----------------------------------------------------------------------------


def test_every_source_has_a_named_ingest_job_and_the_models_have_one() -> None:
    graph = defs.resolve_asset_graph()
    ingestion = {dg.AssetKey(e.asset_key) for e in ENTRIES}
    for entry in ENTRIES:
        job = defs.resolve_job_def(f"ingest_{entry.family}__{entry.name}")
        assert job.asset_layer.selected_asset_keys == {dg.AssetKey(entry.asset_key)}
        assert job.tags[("ops_metrics/source")] == entry.family
    models = defs.resolve_job_def("models_and_dashboards").asset_layer.selected_asset_keys
    materializable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    assert models == materializable - ingestion
    assert dg.AssetKey("dashboards") in models


# --- failures: one line naming the cause ----------------------------------------------------


def _live_steps(warehouse, days: int = 1) -> PipelineSteps:
    sources = SourcesResource(mode="live", retry_max_attempts=1, retry_base_delay_seconds=0)
    one_source_defs = dg.Definitions(
        assets=[*incident_assets, *tool_assets],
        resources={
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": sources,
        },
    )
    return PipelineSteps.from_definitions(now=NOW, days=days, defs=one_source_defs)


def _clear_source_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("INCIDENT_IO_", "AI_TOOLS_")):
            monkeypatch.delenv(name)


def test_live_without_keys_each_step_fails_naming_every_missing_variable(
    warehouse, instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_source_variables(monkeypatch)
    steps = _live_steps(warehouse).steps
    assert {s.source for s in steps} == {dg.AssetKey(e.asset_key) for e in ENTRIES}
    by_source = {step.source: step.run(instance) for step in steps}
    for entry in ENTRIES:
        result = by_source[dg.AssetKey(entry.asset_key)]
        assert not result.success
        [line] = result.failures
        assert line.startswith(f"{entry.family}/{entry.name}: ")
        for env in entry.live_envs:
            assert env in line
        assert "OPS_METRICS_SOURCES=simulated" in line
        assert "\n" not in line and "Error occurred while executing" not in line
        assert "Stack Trace" in result.detail  # the full text, for the run log
    runs = {r.job_name for r in instance.get_runs()}
    assert runs == {f"ingest_{e.family}__{e.name}" for e in ENTRIES}


def _companya_step(warehouse) -> Step:
    [step] = [
        s
        for s in _live_steps(warehouse).steps
        if s.source == dg.AssetKey(["incident_io", "companya", "incidents"])
    ]
    return step


def test_a_refused_key_names_the_variable_to_check(
    warehouse, instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(SimulatorOptions(clock=fixed_clock(NOW)))
    server = serve(app, port=0)
    try:
        monkeypatch.setenv(
            "INCIDENT_IO_COMPANYA_BASE_URL", f"http://127.0.0.1:{server.server_port}"
        )
        monkeypatch.setenv("INCIDENT_IO_COMPANYA_API_KEY", "not-the-right-key")
        result = _companya_step(warehouse).run(instance)
    finally:
        server.shutdown()
    assert not result.success
    [line] = result.failures
    assert line.startswith("incident_io/companya: ")
    assert "401" in line and line.endswith("-> check INCIDENT_IO_COMPANYA_API_KEY")
    assert "not-the-right-key" not in line
    [run] = instance.get_runs()
    assert run.job_name == "ingest_incident_io__companya"


def test_an_unreachable_api_names_the_base_url_variable(
    warehouse, instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("INCIDENT_IO_COMPANYA_BASE_URL", url)
    monkeypatch.setenv("INCIDENT_IO_COMPANYA_API_KEY", "k")
    result = _companya_step(warehouse).run(instance)
    assert not result.success
    [line] = result.failures
    assert "ConnectError" in line
    assert line.endswith(
        f"-> check INCIDENT_IO_COMPANYA_BASE_URL (now {url}) and that the host is reachable"
    )


# --- the summary and the run log ------------------------------------------------------------


@pytest.mark.parametrize("verbose", [False, True])
def test_stack_traces_go_to_the_run_log_and_to_the_terminal_only_when_verbose(
    verbose: bool, warehouse, instance, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _clear_source_variables(monkeypatch)
    companya = [a for a in incident_assets if a.key.path[1] == "companya"]
    steps = PipelineSteps.from_definitions(
        now=NOW,
        days=1,
        defs=dg.Definitions(
            assets=companya,
            resources={
                "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
                "sources": SourcesResource(mode="live"),
            },
        ),
    )
    with RunLog("demo", verbose=verbose) as log:
        outcome = execute(steps, instance, log)
        summarize(outcome, None, log)
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    assert outcome.failed_sources == ["incident_io/companya"] and not outcome.success
    named = terminal.count("INCIDENT_IO_COMPANYA_API_KEY is not set")
    assert named > 1 if verbose else named == 1  # verbose adds Dagster's log and the traces
    assert ("Stack Trace" in terminal) is verbose
    assert "Stack Trace" in log.path.read_text()


def test_dashboards_built_without_a_source_are_not_presented_as_current(
    capsys: pytest.CaptureFixture,
) -> None:
    outcome = Outcome(
        failed_sources=["ai_tools/amp"],
        loaded_sources=["ai_tools/cursor"],
        failures=["ai_tools/amp: environment variable X is not set"],
        dashboards_built=True,
    )
    with RunLog("demo") as log:
        summarize(outcome, "file:///d/index.html", log)
    out = capsys.readouterr().out
    assert "1 of 2 sources failed to load:" in out
    assert out.count("ai_tools/amp: environment variable X is not set") == 1
    assert "NOT current for ai_tools/amp" in out
    assert not outcome.success


def test_dashboards_not_rebuilt_say_so(capsys: pytest.CaptureFixture) -> None:
    outcome = Outcome(failed_sources=["ai_tools/amp"], failures=["x"], build_skipped=True)
    with RunLog("demo") as log:
        summarize(outcome, "file:///d/index.html", log)
    out = capsys.readouterr().out
    assert "Dashboards: NOT rebuilt (no source loaded)" in out
    assert "Dashboards: file://" not in out


def test_each_run_has_its_own_plain_text_log(capsys: pytest.CaptureFixture) -> None:
    first, second = RunLog("demo", now=NOW), RunLog("demo", now=NOW)
    assert first.path != second.path
    assert first.path.parent == settings.home() / "logs"
    with first:
        first.say("on the terminal and in the log")
        with first.captured():
            print("\x1b[31mcoloured\x1b[0m detail")
    second.close()
    out = capsys.readouterr().out
    assert "on the terminal and in the log" in out and "detail" not in out
    text = first.path.read_text()
    assert "on the terminal and in the log" in text
    assert "coloured detail" in text and "\x1b" not in text


# --- ops-metrics sql ------------------------------------------------------------------------


@pytest.fixture
def small_warehouse() -> Path:
    path = settings.duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.t as select * from range(3) r(n), (select 'x' as s)")
    return path


def test_sql_prints_a_table(small_warehouse: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["sql", "select n, s from marts.t order by n"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(" | ") == ["n", "s"]
    assert [line.split(" | ") for line in lines[2:5]] == [["0", "x"], ["1", "x"], ["2", "x"]]
    assert lines[-1] == "(3 rows)"
    assert main(["sql", "select n from marts.t order by n", "--max-rows", "2"]) == 0
    assert "first 2 shown" in capsys.readouterr().out


def test_sql_refuses_to_write(small_warehouse: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["sql", "drop table marts.t"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only" in err
    with duckdb.connect(str(small_warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.t").fetchone() == (3,)


def test_sql_without_a_warehouse_says_how_to_get_one(capsys: pytest.CaptureFixture) -> None:
    assert main(["sql", "select 1"]) == 1
    assert "run `ops-metrics demo` first" in capsys.readouterr().err


def test_sql_on_a_locked_warehouse_says_so(
    small_warehouse: Path, capsys: pytest.CaptureFixture
) -> None:
    # Another process holds the file for writing, as a running demo does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(small_warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        assert main(["sql", "select 1"]) == 1
    finally:
        holder.communicate("", timeout=30)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is locked by another process" in err


# --- quiet by default -----------------------------------------------------------------------


def test_loading_the_definitions_prints_no_beta_or_supersession_warning() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c", "import ops_metrics.definitions"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "BetaWarning" not in result.stderr
    assert "SupersessionWarning" not in result.stderr


# --- the whole demo, live without keys ------------------------------------------------------


@pytest.mark.slow
def test_live_demo_without_keys_fails_short_naming_every_variable(tmp_path: Path) -> None:
    env = {
        **_without_source_variables(dict(os.environ)),
        "OPS_METRICS_HOME": str(tmp_path / "home"),
        "OPS_METRICS_SOURCES": "live",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "ops_metrics.cli", "demo", "--days", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    lines = output.splitlines()
    assert result.returncode == 1, output
    assert len(lines) < 60, output
    assert "LIVE data" in lines[0]
    for entry in ENTRIES:
        for env_name in entry.live_envs:
            assert output.count(env_name) == 1, env_name  # named, once
    for marker in ("Traceback", "Stack Trace", 'File "', "DagsterExecutionStepExecutionError"):
        assert marker not in output
    assert "Dashboards: NOT rebuilt" in output
    [log] = (tmp_path / "home" / "logs").glob("demo-*.log")
    text = log.read_text()
    assert "Stack Trace" in text and "\x1b" not in text
    assert "AI_TOOLS_AMP_CLIENT_SECRET" in text


DBT_ERROR = """dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process with command `dbt build` \
failed with exit code `1`. Check the stdout in the Dagster compute logs for the full information.

Errors parsed from dbt logs:

2 of 204 ERROR creating sql view model staging.stg_ai_tools__amp__daily_usage  [\x1b[31mERROR\x1b[0m in 0.84s]

3 of 204 ERROR creating sql view model staging.stg_ai_tools__cursor__daily_usage  [\x1b[31mERROR\x1b[0m in 0.84s]

Failure in model stg_ai_tools__amp__daily_usage (models/staging/ai_tools/stg_ai_tools__amp__daily_usage.sql)

  Runtime Error in model stg_ai_tools__amp__daily_usage (models/staging/ai_tools/stg_ai_tools__amp__daily_usage.sql)
  Catalog Error: Table with name ai_tools__amp__daily_usage does not exist!
  Did you mean "incident_io__companya__incidents"?

Failure in model stg_ai_tools__cursor__daily_usage (models/staging/ai_tools/stg_ai_tools__cursor__daily_usage.sql)

  Runtime Error in model stg_ai_tools__cursor__daily_usage (models/staging/ai_tools/stg_ai_tools__cursor__daily_usage.sql)
  Catalog Error: Table with name ai_tools__cursor__daily_usage does not exist!
"""


@pytest.mark.parametrize(
    ("message", "line"),
    [
        (
            DBT_ERROR,
            "dbt model stg_ai_tools__amp__daily_usage: Catalog Error: Table with name "
            "ai_tools__amp__daily_usage does not exist! (and 1 more failing, see the run log)",
        ),
        ("ops_metrics.settings.ConfigurationError: X is not set\n", "X is not set"),
        ("builtins.KeyError: 'x'\n", "KeyError: 'x'"),
    ],
)
def test_an_error_becomes_one_line_naming_its_cause(message: str, line: str) -> None:
    assert one_line(message) == line
