"""The code location loads, and its shape follows the registry."""

from datetime import UTC, datetime

import dagster as dg

from ops_metrics.definitions import defs
from ops_metrics.registry import TOOLS, WORKSPACES


def test_every_registry_entry_is_a_partitioned_asset_with_single_run_backfills():
    graph = defs.resolve_asset_graph()
    for ws in WORKSPACES:
        node = graph.get(dg.AssetKey(ws.asset_key))
        assert isinstance(node.partitions_def, dg.HourlyPartitionsDefinition)
        assert node.partitions_def.start <= datetime(2025, 1, 1, tzinfo=UTC)
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
    for tool in TOOLS:
        node = graph.get(dg.AssetKey(tool.asset_key))
        assert isinstance(node.partitions_def, dg.DailyPartitionsDefinition)
        assert node.backfill_policy == dg.BackfillPolicy.single_run()


def test_the_hourly_schedule_requests_the_hour_that_just_closed():
    schedule = defs.resolve_schedule_def("incident_io_hourly_schedule")
    assert schedule.cron_schedule == "5 * * * *"
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 3, 2, 11, 5, tzinfo=UTC)
        )
        [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-03-02-10:00"


def test_the_ai_schedule_runs_at_14_30_utc_for_yesterday():
    schedule = defs.resolve_schedule_def("ai_tools_daily_schedule")
    assert schedule.cron_schedule == "30 14 * * *"
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
        )
        [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-03-01"


def test_the_scheduled_jobs_carry_their_dbt_models():
    incident_job = defs.resolve_job_def("incident_io_hourly")
    keys = {k.to_user_string() for k in incident_job.asset_layer.selected_asset_keys}
    assert "marts/fct_ops__incidents" in keys
    assert not any(k.startswith("ai_tools/") for k in keys)
    ai_job = defs.resolve_job_def("ai_tools_daily")
    keys = {k.to_user_string() for k in ai_job.asset_layer.selected_asset_keys}
    assert "marts/fct_ai_telemetry__tool_daily_metrics" in keys


def test_a_daily_job_runs_every_dbt_test_on_whole_tables():
    # The hourly and daily builds test only the rows they built (macros/tests_scope.sql).
    schedule = defs.resolve_schedule_def("dbt_whole_table_tests_daily_schedule")
    assert schedule.cron_schedule == "45 3 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    job = defs.resolve_job_def(schedule.job_name)
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {"marts/fct_ops__incidents", "marts/fct_ai_telemetry__tool_daily_metrics"} <= keys
    [op_config] = job.run_config["ops"].values()
    assert op_config["config"] == {"full_refresh": False, "whole_table_tests": True}


def test_whole_table_tests_set_the_dbt_var_and_scheduled_runs_do_not():
    from ops_metrics.dbt.assets import DbtBuildConfig

    assert DbtBuildConfig(whole_table_tests=True).args()[-2:] == [
        "--vars",
        '{"data_tests_scope": "all"}',
    ]
    assert "--vars" not in DbtBuildConfig().args()
