"""Hostile values and envelopes over real HTTP: a loopback server serves crafted JSON to live-mode
runs. One bad record lands in `raw.<table>__rejects` with its reason and id while the rest of its
partition loads; a broken envelope fails the partition and moves nothing forward (rows, the
watermark); counts add up (fetched = used + rejected + skipped)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ops_metrics.ai_tools.assets import build_tool_asset
from ops_metrics.incident_io.assets import build_workspace_asset
from ops_metrics.incident_io.models import Incident
from ops_metrics.incident_io.rows import incident_row, table_spec
from ops_metrics.registry import tool, workspace
from ops_metrics.simulators.app import serve
from ops_metrics.simulators.http import Request, Response, Router
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.reliability._support import incident_truth, materialize

WS = workspace("companya")
TABLE = "raw.incident_io__companya__incidents"
HOUR = "2026-03-10-12:00"
IN_HOUR = "2026-03-10T12:30:00Z"
DEEP = 10_000
DEEP_MARK = "<10,000 levels of arrays here>"  # json.dumps cannot write them: page() does


def rows_loaded(warehouse) -> int:
    """Rows in the workspace's raw table; 0 where a failed first fetch never created it (the
    fetch completes into a spool before the warehouse is opened)."""
    schema, name = TABLE.split(".")
    exists = warehouse.query(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{name}'"
    )
    return warehouse.query(f"select count(*) from {TABLE}")[0][0] if exists == [(1,)] else 0


def good_incidents(n: int) -> list[dict[str, Any]]:
    """Real payloads of the simulator, moved into the partition's hour."""
    truth = incident_truth(
        "companya", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC)
    )
    payloads = sorted(truth.values(), key=lambda p: p["id"])[:n]
    return [{**p, "updated_at": IN_HOUR} for p in payloads]


class CraftedServer:
    """Serves `pages[cursor]` for `GET /v2/incidents` (`after` picks the cursor, none is "first")
    and `days[starting_at]` for Claude Code's usage report: bodies as given, byte for byte."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.days: dict[str, bytes] = {}
        self.requests: list[str] = []
        router = Router()
        router.add("GET", "/v2/incidents", self._incidents)
        router.add("GET", "/v1/organizations/usage_report/claude_code", self._claude_code)
        self.server = serve(router)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _incidents(self, request: Request) -> Response:
        self.requests.append(request.arg("after") or "first")
        body = self.pages[request.arg("after") or "first"]
        return Response(200, body, {"Content-Type": "application/json"})

    def _claude_code(self, request: Request) -> Response:
        body = self.days[request.arg("starting_at") or ""]
        return Response(200, body, {"Content-Type": "application/json"})


@pytest.fixture
def crafted(monkeypatch: pytest.MonkeyPatch) -> Iterator[CraftedServer]:
    server = CraftedServer()
    cc = tool("claude_code")
    for env, value in (
        (WS.base_url_env, server.url),
        (WS.api_key_env, "crafted-incident-key"),
        (cc.base_url_env, server.url),
        (cc.api_key_env, "crafted-claude-key"),
    ):
        monkeypatch.setenv(env, value)
    yield server
    server.server.shutdown()
    server.server.server_close()


def live(warehouse) -> dict[str, object]:
    return {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SourcesResource(mode="live", retry_base_delay_seconds=0.0),
    }


def page(incidents: list[Any], after: str | None = None, **extra: Any) -> bytes:
    meta: dict[str, Any] = {"page_size": 250}
    if after:
        meta["after"] = after
    # Python's json writes a lone surrogate as the escape `\ud800` and NaN as `NaN`, exactly
    # what a hostile server sends.
    text = json.dumps({"incidents": incidents, "pagination_meta": meta, **extra})
    return text.replace(json.dumps(DEEP_MARK), "[" * DEEP + "]" * DEEP).encode()


def rejects(warehouse, table: str = TABLE) -> dict[str, tuple[str, str]]:
    rows = warehouse.query(f"select record_id, field, reason from {table}__rejects")
    return {record_id: (field, reason) for record_id, field, reason in rows}


def step_error(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [e for e in result.all_events if e.is_step_failure]
    return failure.step_failure_data.error.to_string()


def hostile_incidents(base: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One hostile record per attack, each a copy of a real incident with its own id."""
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    attacks: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "OVERFLOW": lambda p: {**p, "severity": {"name": "Major", "rank": 10**30}},
        "SURROGATE": lambda p: {**p, "name": "bad \ud800 name"},
        "YEAR9999": lambda p: {**p, "updated_at": "9999-12-31T23:30-01:00"},
        "YEAR0001": lambda p: {**p, "created_at": "0001-01-01T00:10+01:00"},
        "FUTURE": lambda p: {**p, "updated_at": future},
        "NOTANUMBER": lambda p: {**p, "workload_minutes_total": float("nan")},
        "DEEP": lambda p: {**p, "x_nested": DEEP_MARK},
    }
    return {
        f"01HOSTILE{name}".ljust(26, "0")[:26]: attack(
            {**b, "id": f"01HOSTILE{name}".ljust(26, "0")[:26]}
        )
        for (name, attack), b in zip(attacks.items(), base, strict=False)
    }


def test_each_hostile_value_is_rejected_alone_and_the_rest_of_the_partition_loads(
    crafted, warehouse, instance
):
    base = good_incidents(12)
    good, spare = base[:3], base[3:]
    # A custom timestamp typed in by a person (a planned follow-up) may lie ahead: it loads.
    stamps = good[1]["incident_timestamp_values"]
    planned = {**stamps[0], "value": {"value": "2030-01-01T00:00:00Z"}}
    good[1] = {**good[1], "incident_timestamp_values": [planned, *stamps[1:]]}
    hostile = hostile_incidents(spare)
    empty_id = {**spare[-2], "id": ""}
    not_an_object = "abc"
    # The same ULID twice, in another case: one incident, in its canonical upper-case form.
    lower_twin = {**good[0], "id": good[0]["id"].lower()}
    crafted.pages["first"] = page([*good[:2], *hostile.values()], after="p2")
    crafted.pages["p2"] = page([empty_id, not_an_object, good[2], lower_twin])

    result = materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR)

    assert result.success, step_error(result)
    loaded = dict(warehouse.query(f"select id, name from {TABLE}"))
    assert set(loaded) == {g["id"].upper() for g in good}
    found = rejects(warehouse)
    reasons = {record_id: found[record_id] for record_id in hostile}
    assert reasons["01HOSTILEOVERFLOW000000000"] == (
        "severity.rank",
        "is an integer beyond the 64-bit range",
    )
    assert reasons["01HOSTILESURROGATE00000000"][0] == "name"
    assert "lone UTF-16 surrogate" in reasons["01HOSTILESURROGATE00000000"][1]
    assert reasons["01HOSTILEYEAR9999000000000"][0] == "updated_at"
    assert "outside the range of a UTC timestamp" in reasons["01HOSTILEYEAR9999000000000"][1]
    assert reasons["01HOSTILEYEAR0001000000000"][0] == "created_at"
    assert reasons["01HOSTILEFUTURE00000000000"][0] == "updated_at"
    assert "in the future" in reasons["01HOSTILEFUTURE00000000000"][1]
    assert reasons["01HOSTILENOTANUMBER0000000"] == (
        "workload_minutes_total",
        "is nan, not a finite number",
    )
    assert reasons["01HOSTILEDEEP0000000000000"][0].startswith("x_nested.0.0.0")
    assert "nested deeper than 64 levels" in reasons["01HOSTILEDEEP0000000000000"][1]
    # No id: the reject is keyed by a hash of its payload, with the reason that says why.
    by_field = {(f, r) for f, r in found.values()}
    assert ("id", "is empty") in by_field
    assert ("<record>", "is str, not a JSON object") in by_field
    assert len(found) == len(hostile) + 2
    # What the user sees: every fetched record is loaded or rejected, and the check warns.
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    fetched = meta["records_fetched"].value
    assert fetched == len(good) + len(hostile) + 3
    assert meta["rows_rejected"].value == len(found)
    assert meta["rows_staged"].value + meta["rows_rejected"].value == fetched
    assert meta["duplicates_in_batch"].value == 1  # the lower-case twin
    # The watermark is the newest *loaded* version, never the future one that was rejected.
    assert datetime.fromisoformat(meta["watermark"].value) == datetime(
        2026, 3, 10, 12, 30, tzinfo=UTC
    )
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "no_rejects"]
    assert not check.passed
    # The rejected records are kept, readable JSON, for whoever repairs the source.
    payloads = dict(warehouse.query(f"select record_id, payload from {TABLE}__rejects"))
    assert json.loads(payloads["01HOSTILESURROGATE00000000"])["name"] == "bad \\ud800 name"
    assert json.loads(payloads["01HOSTILEOVERFLOW000000000"])["severity"]["rank"] == 10**30


def test_a_future_updated_at_never_blocks_the_real_correction(crafted, warehouse, instance):
    [incident] = good_incidents(1)
    future = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    crafted.pages["first"] = page([{**incident, "updated_at": future, "name": "poison"}])
    assert materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR).success
    assert warehouse.query(f"select count(*) from {TABLE}") == [(0,)]

    crafted.pages["first"] = page([{**incident, "name": "the real correction"}])
    assert materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR).success
    assert warehouse.query(f"select name from {TABLE}") == [("the real correction",)]


NOT_UTF8 = "<bytes that are not UTF-8 here>"


def test_bytes_that_are_not_utf8_reject_their_record_alone(crafted, warehouse, instance):
    good = good_incidents(3)
    mis_encoded = {**good[1], "name": f"Caf{NOT_UTF8} outage"}
    # Latin-1's e-acute in a UTF-8 body: a vendor's one mis-encoded name, not a broken page.
    crafted.pages["first"] = page([good[0], mis_encoded, good[2]]).replace(
        json.dumps(NOT_UTF8)[1:-1].encode(), b"\xe9"
    )

    result = materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR)

    assert result.success, step_error(result)
    loaded = {row[0] for row in warehouse.query(f"select id from {TABLE}")}
    assert loaded == {good[0]["id"].upper(), good[2]["id"].upper()}
    field, reason = rejects(warehouse)[good[1]["id"]]
    assert (field, reason) == (
        "name",
        "holds a lone UTF-16 surrogate or bytes that are not UTF-8 (not valid Unicode)",
    )
    # Kept as readable JSON for whoever repairs the source: the byte written out as an escape.
    [(payload,)] = warehouse.query(f"select payload from {TABLE}__rejects")
    assert json.loads(payload)["name"] == "Caf\\udce9 outage"
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["records_fetched"].value == 3
    assert meta["rows_staged"].value + meta["rows_rejected"].value == 3


def test_a_cursor_that_is_not_utf8_fails_the_partition_naming_it(crafted, warehouse, instance):
    crafted.pages["first"] = page(good_incidents(2), after=f"p{NOT_UTF8}").replace(
        json.dumps(NOT_UTF8)[1:-1].encode(), b"\xff"
    )

    result = materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR)

    assert not result.success
    assert (
        "incident_io/companya: /v2/incidents answered an unexpected shape: "
        "'pagination_meta.after' is not valid Unicode" in step_error(result)
    )
    assert rows_loaded(warehouse) == 0


GOOD_PAGE = "the first page: good incidents, and a cursor to the second"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (GOOD_PAGE, {"incidents": None}, "'incidents' is null, expected list"),
        (GOOD_PAGE, {"pagination_meta": {}}, "'incidents' is missing"),
        (GOOD_PAGE, {"incidents": "abc"}, "'incidents' is str, expected list"),
        (GOOD_PAGE, "abc", "'incidents' cannot be read: the body is str"),
        ({"pagination_meta": {"after": 5}}, None, "'pagination_meta.after' is int"),
    ],
    ids=["null", "missing", "wrong-type", "body-is-a-string", "cursor-wrong-type"],
)
def test_a_broken_envelope_fails_the_partition_and_moves_nothing(
    crafted, warehouse, instance, first, second, expected
):
    good = good_incidents(2)
    # Page one's rows are fine, yet must not load either when a later envelope is broken.
    if first == GOOD_PAGE:
        crafted.pages["first"] = page(good, after="p2")
    else:
        crafted.pages["first"] = json.dumps({"incidents": good, **first}).encode()
    crafted.pages["p2"] = json.dumps(second).encode()

    result = materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR)

    assert not result.success
    message = step_error(result)
    assert "EnvelopeError" in message
    assert (
        f"incident_io/companya: /v2/incidents answered an unexpected shape: {expected}" in message
    )
    assert "KeyError" not in message and "AttributeError" not in message
    assert rows_loaded(warehouse) == 0
    # No materialisation: the watermark and loaded_through stay where they were.
    assert instance.get_latest_materialization_event(dg.AssetKey(WS.asset_key)) is None


def claude_code_record(
    day: str, email: str, input_tokens: int, sessions: int = 1
) -> dict[str, Any]:
    return {
        "date": day,
        "actor": {"type": "user_actor", "email_address": email},
        "organization_id": "org",
        "customer_type": "api",
        "terminal_type": "vscode",
        "core_metrics": {"num_sessions": sessions, "lines_of_code": {"added": 3, "removed": 1}},
        "model_breakdown": [
            {
                "model": "claude-sonnet-4",
                "tokens": {
                    "input": input_tokens,
                    "output": 10,
                    "cache_read": 0,
                    "cache_creation": 0,
                },
                "estimated_cost": {"currency": "USD", "amount": 12.5},
            }
        ],
        "tool_actions": {},
    }


def test_ai_tool_counts_add_up_offsets_decide_the_day_in_utc_and_overflow_is_rejected(
    crafted, warehouse, instance
):
    day = "2026-01-05"
    records = [
        claude_code_record(day, "alice@example.com", 100),
        # Midnight at +02:00 is 22:00 UTC the day before: not this partition's, and not lost.
        claude_code_record("2026-01-05T00:00:00+02:00", "bob@example.com", 100),
        claude_code_record(day, "carol@example.com", 10**20),  # beyond BIGINT on its own
        # Each valid, together beyond BIGINT: the engineer's day row is rejected under its key.
        claude_code_record(day, "dave@example.com", 6 * 10**18),
        claude_code_record(day, "dave@example.com", 6 * 10**18),
    ]
    crafted.days[day] = json.dumps({"data": records, "has_more": False, "next_page": None}).encode()
    cc = tool("claude_code")

    result = materialize([build_tool_asset(cc)], live(warehouse), instance, day)

    assert result.success, step_error(result)
    table = f"raw.{cc.raw_table}"
    assert warehouse.query(f"select engineer_identifier, usage_date from {table}") == [
        ("alice@example.com", datetime(2026, 1, 5).date())
    ]
    found = rejects(warehouse, table)
    carol = [v for k, v in found.items() if "carol@example.com" in k]
    assert carol == [("model_breakdown.0.tokens.input", "is an integer beyond the 64-bit range")]
    assert found["claude_code/2026-01-05/dave@example.com"] == (
        "input_tokens",
        "is an integer beyond the 64-bit range of BIGINT",
    )
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["records_fetched"].value == 5
    assert meta["records_skipped"].value == 1  # bob: 2026-01-04 in UTC, that day's partition
    assert meta["rows_staged"].value == 1
    assert meta["rows_rejected"].value == 2  # carol's record, dave's day


def test_a_reversed_partition_range_fails_with_a_clear_message(warehouse, instance):
    result = materialize(
        [build_tool_asset(tool("claude_code"))],
        live(warehouse),
        instance,
        "2026-01-05",
        "2026-01-02",
    )
    assert not result.success
    message = step_error(result)
    assert "partition range 2026-01-05...2026-01-02 is reversed" in message
    assert "ask for 2026-01-02...2026-01-05" in message


@pytest.mark.slow
def test_the_cli_exits_non_zero_on_a_reversed_partition_range(tmp_path: Path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "OPS_METRICS_HOME": str(tmp_path / "home")}
    (tmp_path / "dagster.yaml").write_text("")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "ops_metrics.definitions",
            "--select",
            "ai_tools/claude_code/daily_usage",
            "--partition-range",
            "2026-01-05...2026-01-02",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    assert "is reversed" in done.stdout + done.stderr


@pytest.mark.slow
def test_without_dbt_on_path_the_code_location_loads_and_only_dbt_fails(tmp_path: Path):
    """`dbt` missing from PATH: ingestion loads; a dbt model fails naming the executable."""
    bare_path = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not Path(d, "dbt").exists()
    )
    script = """
import dagster as dg
from ops_metrics import definitions
from ops_metrics.dbt.assets import ops_metrics_dbt_assets
defs = definitions.defs
assert defs.resolve_job_def("incident_io_hourly") is not None
result = dg.materialize([ops_metrics_dbt_assets], resources={"dbt": defs.resources["dbt"]},
                        raise_on_error=False)
[failure] = [e for e in result.all_events if e.is_step_failure]
print(failure.step_failure_data.error.to_string())
"""
    env = {**os.environ, "PATH": bare_path, "OPS_METRICS_HOME": str(tmp_path / "home")}
    assert shutil.which("dbt", path=bare_path) is None
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DbtNotInstalled" in done.stdout
    assert "the dbt executable 'dbt' is not on PATH" in done.stdout


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"data": None, "has_more": False}, "'data' is null, expected list"),
        ({"has_more": False}, "'data' is missing"),
        ("abc", "'data' cannot be read: the body is str"),
    ],
    ids=["null", "missing", "body-is-a-string"],
)
def test_an_ai_tool_envelope_error_names_the_key_and_loads_nothing(
    crafted, warehouse, instance, body, expected
):
    """Adapters that read `body["data"]` directly get the same named error from paginate()."""
    cc = tool("claude_code")
    crafted.days["2026-01-05"] = json.dumps(body).encode()
    result = materialize([build_tool_asset(cc)], live(warehouse), instance, "2026-01-05")
    assert not result.success
    message = step_error(result)
    endpoint = "/v1/organizations/usage_report/claude_code"
    assert f"ai_tools/claude_code: {endpoint} answered an unexpected shape: {expected}" in message
    assert instance.get_latest_materialization_event(dg.AssetKey(cc.asset_key)) is None


def readme_repair_sql() -> list[str]:
    """The statements README.md gives for repairing a row a future `updated_at` froze."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("**Repairing a row frozen by a future `updated_at`**", 1)[1]
    sql = section.split("```sql", 1)[1].split("```", 1)[0]
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in body.split(";") if statement.strip()]


def test_the_readme_repair_unfreezes_a_row_poisoned_before_the_horizon(
    crafted, warehouse, instance
):
    [incident] = good_incidents(1)
    # A row loaded before the horizon existed, written straight through the warehouse.
    poisoned = {**incident, "updated_at": "9999-12-31T00:00:00Z", "name": "poison"}
    row = incident_row(WS, Incident.model_validate(poisoned), poisoned)
    warehouse.merge(table_spec(WS), [[row]], "an-old-run")
    crafted.pages["first"] = page([{**incident, "name": "the real correction"}])
    assert materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR).success
    assert warehouse.query(f"select name from {TABLE}") == [("poison",)]  # frozen: stale

    statements = readme_repair_sql()
    [(frozen_id, _)] = warehouse.query(statements[0])
    assert frozen_id == incident["id"]
    for statement in statements[1:]:
        warehouse.query(statement)
    assert materialize([build_workspace_asset(WS)], live(warehouse), instance, HOUR).success
    assert warehouse.query(f"select name from {TABLE}") == [("the real correction",)]
