"""The workspace assets end to end: simulator -> extractor -> transformer -> stage-and-merge."""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.registry import WORKSPACES
from ops_metrics.simulators.app import SimulatorOptions
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.incident_io import incident_universe
from ops_metrics_tests.conftest import FROZEN_AT

NOW = datetime.fromisoformat(FROZEN_AT)
RANGE = {
    "dagster/asset_partition_range_start": "2026-03-01-00:00",
    "dagster/asset_partition_range_end": "2026-03-14-23:00",
}
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def run(resources, instance, tags=None, partition_key=None, assets=incident_assets):
    return dg.materialize(
        assets,
        resources=resources,
        instance=instance,
        tags=tags,
        partition_key=partition_key,
        run_config=QUIET,
        raise_on_error=False,
    )


def ground_truth(workspace: str, start: datetime, end: datetime) -> dict[str, dict]:
    universe = incident_universe(workspace, SimulatorOptions(clock=fixed_clock(NOW)))
    out = {}
    for payload in universe.visible(NOW):
        updated = datetime.fromisoformat(payload["updated_at"].replace("Z", "+00:00"))
        if start <= updated <= end:
            out[payload["id"]] = payload
    return out


def table(warehouse, workspace: str, cols: str = "*") -> list[tuple]:
    return warehouse.query(
        f"select {cols} from raw.incident_io__{workspace}__incidents order by id"
    )


def test_a_two_week_backfill_is_one_run_and_loads_exactly_what_the_api_holds(
    resources, instance, warehouse
):
    result = run(resources, instance, tags=RANGE)
    assert result.success
    start = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(minutes=15)
    end = datetime(2026, 3, 15, tzinfo=UTC)
    for ws in WORKSPACES:
        truth = ground_truth(ws.name, start, end)
        loaded = dict(
            warehouse.query(f"select id, updated_at from raw.incident_io__{ws.name}__incidents")
        )
        assert set(loaded) == set(truth), ws.name
        assert len(truth) > 5


def test_quirks_and_durations_per_workspace(resources, instance, warehouse):
    assert run(resources, instance, tags=RANGE).success
    for ws in WORKSPACES:
        rows = warehouse.query(
            f"select payload, created_at, detected_at, fixed_at, resolved_at, closed_at, status_category,"
            f" ttd_sec, ttr_sec, tts_sec from raw.incident_io__{ws.name}__incidents"
        )
        for payload, created, detected, fixed, resolved, closed, category, ttd, ttr, tts in rows:
            stamps = {
                v["incident_timestamp"]["name"]: (v.get("value") or {}).get("value")
                for v in json.loads(payload)["incident_timestamp_values"]
            }
            raw_detected = stamps.get(ws.detected_timestamp)
            assert (detected is None) == (raw_detected is None)
            if raw_detected:
                parsed = datetime.fromisoformat(raw_detected.replace("Z", "+00:00"))
                assert detected == parsed.astimezone(UTC).replace(tzinfo=None)
                assert ttd == (detected - created).total_seconds()
            if ws.fixed_timestamp is None:
                assert fixed is None
            if stamps.get("Resolved at") is None and category == "closed":
                assert resolved == closed
            if resolved is not None and detected is not None:
                assert ttr == (resolved - detected).total_seconds()
                assert tts == (resolved - created).total_seconds()
            else:
                assert ttr is None


def test_the_same_partition_twice_leaves_an_identical_table(resources, instance, warehouse):
    assert run(resources, instance, tags=RANGE).success
    before = {ws.name: table(warehouse, ws.name) for ws in WORKSPACES}
    assert run(resources, instance, tags=RANGE).success
    assert {ws.name: table(warehouse, ws.name) for ws in WORKSPACES} == before


def test_an_older_partition_rerun_after_a_newer_one_leaves_newer_rows_untouched(
    resources, instance, warehouse
):
    """A backfill that read the API five days ago (a slow run, or a replay) merges after the
    hourly loads: its older versions of the same incidents must not overwrite the newer rows."""
    from ops_metrics.sources import SourcesResource

    assert run(resources, instance, tags=RANGE).success
    before = table(warehouse, "companya", "id, updated_at, status_category, _run_id")
    earlier = (NOW - timedelta(days=8)).isoformat()
    replay = {**resources, "sources": SourcesResource(simulator_frozen_at=earlier)}
    result = run(replay, instance, tags=RANGE)
    assert result.success
    after = {
        r[0]: r for r in table(warehouse, "companya", "id, updated_at, status_category, _run_id")
    }
    assert [after[row[0]] for row in before] == before  # untouched, down to the run that wrote them
    [meta] = [
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.path[1] == "companya"
    ][:1]
    assert meta["rows_stale_skipped"].value > 0


def test_an_hourly_run_of_every_workspace(resources, instance, warehouse):
    result = run(resources, instance, partition_key="2026-03-02-10:00")
    assert result.success
    keys = {e.materialization.asset_key for e in result.get_asset_materialization_events()}
    assert keys == {dg.AssetKey(ws.asset_key) for ws in WORKSPACES}


def test_the_watermark_catches_up_after_an_outage(resources, instance, warehouse):
    assert run(resources, instance, partition_key="2026-03-01-00:00").success
    # Ten days without loads, then the hourly run: it reaches back to where loading stopped.
    result = run(resources, instance, partition_key="2026-03-11-00:00")
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["window_start"].value == "2026-03-01T01:00:00+00:00"
    truth = ground_truth(
        "companya", datetime(2026, 3, 1, 1, tzinfo=UTC), datetime(2026, 3, 11, 1, tzinfo=UTC)
    )
    loaded = {r[0] for r in table(warehouse, "companya", "id")}
    assert set(truth) <= loaded


def test_a_missing_key_in_live_mode_fails_only_that_workspace(
    resources, instance, warehouse, monkeypatch
):
    from ops_metrics.simulators.app import build_app, serve
    from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
    from ops_metrics.sources import SourcesResource

    server = serve(build_app(SimulatorOptions(clock=fixed_clock(NOW))), port=0)
    try:
        for ws in WORKSPACES:
            monkeypatch.setenv(ws.base_url_env, f"http://127.0.0.1:{server.server_port}")
            monkeypatch.setenv(ws.api_key_env, INCIDENT_IO_KEYS[ws.name])
        monkeypatch.delenv("INCIDENT_IO_COMPANYB_API_KEY")
        live = {**resources, "sources": SourcesResource(mode="live")}
        result = run(live, instance, partition_key="2026-03-02-10:00")
    finally:
        server.shutdown()
    assert not result.success
    done = {e.materialization.asset_key.path[1] for e in result.get_asset_materialization_events()}
    assert done == {"companya", "companyc"}
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "INCIDENT_IO_COMPANYB_API_KEY" in failure.step_failure_data.error.to_string()
    tables = {r[0] for r in warehouse.query("select table_name from information_schema.tables")}
    assert "incident_io__companyb__incidents" not in tables


@pytest.mark.parametrize("value", ["not a url", "ftp://x"])
def test_a_malformed_base_url_names_the_variable(resources, instance, monkeypatch, value):
    from ops_metrics.sources import SourcesResource

    monkeypatch.setenv("INCIDENT_IO_COMPANYA_API_KEY", "k")
    monkeypatch.setenv("INCIDENT_IO_COMPANYA_BASE_URL", value)
    live = {**resources, "sources": SourcesResource(mode="live")}
    result = run(live, instance, partition_key="2026-03-02-10:00", assets=incident_assets[:1])
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "INCIDENT_IO_COMPANYA_BASE_URL" in failure.step_failure_data.error.to_string()
