"""API keys never leave the environment: a live run with distinctive keys against the simulator,
through a 401, retries and a success, leaves no trace of them in Dagster storage, logs,
exception texts or the warehouse, even when the server echoes the key it was sent. The same
holds for every adapter against a server that echoes every header and body it receives, and for
keys that cannot travel in a header at all."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import dagster as dg
import pytest
from dagster_shared.serdes import serialize_value

from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.ai_tools.tools.github_copilot import ORG_ENV
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.errors import ExtractionError
from ops_metrics.pipeline import error_line
from ops_metrics.registry import TOOLS, WORKSPACES
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
from ops_metrics.simulators.faults import FaultPlan
from ops_metrics.simulators.http import Handler, Request, Response
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.reliability._support import NOW, materialize
from ops_metrics_tests.reliability.hostile_server import HostileServer

# companya and companyc hold keys the gateway below accepts; companyb's is wrong (the 401 path).
KEYS = {
    "companya": "LEAKCHECK-a-5f1e9b2c7d84",
    "companyb": "LEAKCHECK-b-wrong-0c4a19e3",
    "companyc": "LEAKCHECK-c-7e2d66b0a1f5",
}


def key_gateway(request: Request, inner: Handler) -> Response:
    """A test-side proxy in front of the simulator: swaps the distinctive keys for the simulator's
    own, and on a 401 echoes the key it was sent, as some vendors do."""
    auth = request.header("authorization") or ""
    sent = auth.removeprefix("Bearer ")
    mapped = {KEYS[w]: INCIDENT_IO_KEYS[w] for w in ("companya", "companyc")}
    if sent in mapped:
        request.headers["authorization"] = f"Bearer {mapped[sent]}"
        return inner(request)
    response = inner(request)
    if response.status == 401:
        return Response.json({"error": f"Invalid API key: {sent}"}, 401)
    return response


def everything_stored(instance: dg.DagsterInstance, root: Path) -> str:
    texts = []
    for record in instance.get_run_records():
        texts.append(serialize_value(record.dagster_run))
        texts.extend(serialize_value(e) for e in instance.all_logs(record.dagster_run.run_id))
    for path in root.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


def everything_in_the_warehouse(warehouse) -> str:
    tables = warehouse.query("select table_schema, table_name from information_schema.tables")
    return "\n".join(
        json.dumps(warehouse.query(f"select * from {schema}.{name}"), default=str)
        for schema, name in tables
    )


def test_live_keys_never_reach_storage_logs_errors_or_the_warehouse(
    warehouse, tmp_path, monkeypatch, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    # Faults are drawn per request, so the seed is one whose draws hit this run's requests
    # (the retry path below must be taken).
    app = build_app(SimulatorOptions(clock=fixed_clock(NOW), faults=FaultPlan(rate=0.5, seed=9)))
    app.middleware.insert(0, key_gateway)
    server = serve(app, port=0)
    caplog.set_level(logging.DEBUG)
    root = tmp_path / "dagster_home"
    root.mkdir()
    try:
        for ws in WORKSPACES:
            monkeypatch.setenv(ws.api_key_env, KEYS[ws.name])
            monkeypatch.setenv(ws.base_url_env, f"http://127.0.0.1:{server.server_port}")
        resources = {
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": SourcesResource(
                mode="live", retry_base_delay_seconds=0.0, timeout_seconds=1.0
            ),
        }
        with dg.instance_for_test(temp_dir=str(root)) as instance:
            result = materialize(
                incident_assets, resources, instance, "2026-03-02-00:00", "2026-03-03-23:00"
            )
            stored = everything_stored(instance, root)
    finally:
        server.shutdown()
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error.to_string()
    assert "401" in error and "check the API key" in error and "[redacted]" in error
    loaded = {e.asset_key.path[1] for e in result.get_asset_materialization_events()}
    assert loaded == {"companya", "companyc"}
    retries = [
        e.materialization.metadata["api_retries"].value
        for e in result.get_asset_materialization_events()
    ]
    assert sum(retries) > 0, "the retry path must have been taken"
    out, err = capfd.readouterr()
    haystacks = {
        "dagster storage": stored,
        "python logs": caplog.text,
        "stdout/stderr": out + err,
        "exception": error,
        "warehouse": everything_in_the_warehouse(warehouse),
    }
    for where, text in haystacks.items():
        for key in KEYS.values():
            assert key not in text, f"{key} leaked into {where}"


# Every adapter, every way a credential travels: bearer headers (OpenAI, the gateway, the chat
# assistant, Incident.io), x-api-key (Claude Code), BearerAuth (Copilot), BasicAuth (Cursor), an
# OAuth client id and secret in a form body (Amp).
SOURCES = [(t.asset_key, t.secret_envs, t.base_url_env) for t in TOOLS] + [
    (w.asset_key, (w.api_key_env,), w.base_url_env) for w in WORKSPACES
]
DAY, HOUR = "2026-03-02", "2026-03-02-00:00"


def distinctive(env: str) -> str:
    return f"LEAKCHECK-{env.lower().replace('_', '-')}-9f3b2a7c"


def travelling_forms(value: str) -> set[str]:
    """The value and the forms it travels in: Basic auth's base64 (Cursor sends the key as the
    user) and URL-encoding (a form body)."""
    return {
        value,
        base64.b64encode(f"{value}:".encode()).decode(),
        quote_plus(value),
    }


def run_every_source(
    resources: dict[str, Any], root: Path
) -> tuple[list[dg.ExecuteInProcessResult], str]:
    """Every AI tool for a day and every workspace for an hour; what Dagster stored."""
    with dg.instance_for_test(temp_dir=str(root)) as instance:
        results = [
            materialize(tool_assets, resources, instance, DAY),
            materialize(incident_assets, resources, instance, HOUR),
        ]
        return results, everything_stored(instance, root)


def failure_lines(results: list[dg.ExecuteInProcessResult]) -> dict[str, str]:
    lines = {}
    for result in results:
        for event in result.all_events:
            if event.is_step_failure:
                lines[event.step_key] = error_line(event.step_failure_data.error)
    return lines


def assert_no_trace(secrets: set[str], haystacks: dict[str, str]) -> None:
    for where, text in haystacks.items():
        for secret in secrets:
            assert secret not in text, f"{secret} leaked into {where}"


def test_no_adapter_stores_a_credential_a_server_echoes_back(
    warehouse, tmp_path, monkeypatch, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    """A 401 that quotes every header and the body it was sent (Amp's token request included)
    reaches run storage, the event log, logs and stdout with every credential blanked."""
    caplog.set_level(logging.DEBUG)
    root = tmp_path / "dagster_home"
    root.mkdir()
    secrets: set[str] = set()
    with HostileServer("echo_401") as server:
        for _, envs, base_url_env in SOURCES:
            monkeypatch.setenv(base_url_env, server.url)
            for env in envs:
                monkeypatch.setenv(env, distinctive(env))
                secrets |= travelling_forms(distinctive(env))
        monkeypatch.setenv(ORG_ENV, "leakcheck-org")
        resources = {
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": SourcesResource(mode="live", retry_base_delay_seconds=0.0),
        }
        results, stored = run_every_source(resources, root)
        echoed = json.dumps([r["headers"] for r in server.requests])
    # The server did receive the credentials (else this proves nothing), in every form.
    assert "LEAKCHECK-ai-tools-cursor" not in echoed  # Cursor's travels as Basic base64 ...
    assert (
        base64.b64encode(f"{distinctive('AI_TOOLS_CURSOR_API_KEY')}:".encode()).decode() in echoed
    )
    assert distinctive("AI_TOOLS_CLAUDE_CODE_API_KEY") in echoed  # ... Claude Code's as x-api-key
    assert quote_plus(distinctive("AI_TOOLS_AMP_CLIENT_SECRET")) in str(
        [r["body"] for r in server.requests]
    )
    lines = failure_lines(results)
    assert len(lines) == len(SOURCES), lines
    for step, line in lines.items():
        assert "401" in line and "[redacted]" in line, (step, line)
        assert "\n" not in line
    out, err = capfd.readouterr()
    assert_no_trace(
        secrets,
        {
            "dagster storage and files": stored,
            "python logs": caplog.text,
            "stdout/stderr": out + err,
            "errors": json.dumps(
                [
                    e.step_failure_data.error.to_string()
                    for r in results
                    for e in r.all_events
                    if e.is_step_failure
                ]
            ),
            "warehouse": everything_in_the_warehouse(warehouse),
        },
    )


def test_a_credential_that_cannot_travel_in_a_header_is_named_never_quoted(
    warehouse, tmp_path, monkeypatch, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    """A key with a line break (a pasted file), a non-ASCII or a control character: httpx would
    quote it in its error ("Illegal header value b'Bearer …'") and retry. Read, it fails the
    source's step at once with the variable's name; no request is made."""
    caplog.set_level(logging.DEBUG)
    root = tmp_path / "dagster_home"
    root.mkdir()
    flaws = {"\n": "a line break", "é": "a non-ASCII character", "\x07": "a control character"}
    expected: dict[str, str] = {}
    secrets: set[str] = set()
    with HostileServer("echo_401") as server:
        for number, (key, envs, base_url_env) in enumerate(SOURCES):
            monkeypatch.setenv(base_url_env, server.url)
            flaw = list(flaws)[number % len(flaws)]
            for env in envs:
                value = distinctive(env)
                monkeypatch.setenv(env, value[:20] + flaw + value[20:])
                secrets |= {value[:20], value[20:]}
            # The last of a source's variables is the one reported (Amp: the client secret is
            # read after the client id, both flawed: the id is named first).
            expected["__".join(key)] = f"environment variable {envs[0]} contains {flaws[flaw]}"
        monkeypatch.setenv(ORG_ENV, "leakcheck-org")
        resources = {
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": SourcesResource(mode="live", retry_base_delay_seconds=0.0),
        }
        results, stored = run_every_source(resources, root)
    assert server.requests == [], "a flawed credential must never be sent"
    lines = failure_lines(results)
    assert set(lines) == set(expected)
    for step, line in lines.items():
        assert expected[step] in line, (step, line)
        assert line.endswith("a credential must be printable ASCII (the value is not shown)")
    out, err = capfd.readouterr()
    assert_no_trace(
        secrets,
        {
            "dagster storage and files": stored,
            "python logs": caplog.text,
            "stdout/stderr": out + err,
            "warehouse": everything_in_the_warehouse(warehouse),
        },
    )


@pytest.mark.parametrize("flaw", ["\n", "\x07", "\x7f"])
def test_httpx_quoting_a_refused_or_echoed_header_is_scrubbed(flaw, monkeypatch) -> None:
    """Defence in depth, below the check on reading: a flawed value that does reach httpx (a
    header an adapter builds itself) is refused or sent, and either way httpx's own message
    ("Illegal header value b'Bearer …\\n…'") and the echo (JSON-escaped) come out blanked."""
    value = f"LEAKCHECK-direct-4d1c{flaw}8e0b77"
    with HostileServer("echo_401") as server:
        monkeypatch.setenv("LEAKCHECK_BASE_URL", server.url)
        sources = SourcesResource(mode="live", retry_base_delay_seconds=0.0, retry_max_attempts=2)
        client = sources.client(
            "LEAKCHECK_BASE_URL", server.url, headers={"Authorization": f"Bearer {value}"}
        )
        with pytest.raises(ExtractionError) as caught, client:
            APIExtractor("leakcheck", client, retry=sources.retry_policy()).request("GET", "/x")
    chain = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(f"{type(error).__name__}: {error}")
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    text = "\n".join(chain)
    assert "[redacted]" in text
    for part in ("LEAKCHECK-direct-4d1c", "8e0b77"):
        assert part not in text, text
