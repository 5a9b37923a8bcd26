"""The code location's executor: a run of one step runs it in the run's own process (no second
interpreter), a run of several steps gives each its own process, as Dagster's default does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest

from ops_metrics.definitions import defs
from ops_metrics.execution import one_step_in_process_executor
from ops_metrics_tests import execution_location


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    # The multiprocess executor needs a persistent instance to coordinate its step processes.
    with dg.instance_for_test() as instance:
        yield instance


def step_pids(result: dg.ExecuteJobResult) -> dict[str, int]:
    return {
        m.asset_key.to_user_string(): m.metadata["pid"].value
        for m in result.asset_materializations_for_node("first")
        + result.asset_materializations_for_node("second")
    }


def run(job: str, instance: dg.DagsterInstance, config: dict[str, Any] | None = None) -> Any:
    recon = dg.reconstructable(getattr(execution_location, job))
    return dg.execute_job(recon, instance=instance, run_config=config)


def test_a_run_of_one_step_runs_it_in_the_run_process(instance: dg.DagsterInstance) -> None:
    with run("one", instance) as result:
        assert result.success
        assert step_pids(result) == {"first": os.getpid()}


@pytest.mark.slow  # two step processes, each importing Dagster
def test_a_run_of_several_steps_runs_each_in_its_own_process(
    instance: dg.DagsterInstance,
) -> None:
    with run("both", instance) as result:
        assert result.success
        pids = step_pids(result)
        assert set(pids) == {"first", "second"}
        assert os.getpid() not in pids.values()
        assert pids["first"] != pids["second"]


@pytest.mark.slow  # two runs, one of them with step processes
def test_the_default_executors_run_config_still_applies(instance: dg.DagsterInstance) -> None:
    # Run config written for Dagster's default executor keeps its meaning: `in_process` runs
    # every step in the run process, `multiprocess` settings are accepted as before.
    in_process = {"execution": {"config": {"in_process": {}}}}
    with run("both", instance, in_process) as result:
        assert result.success
        assert set(step_pids(result).values()) == {os.getpid()}
    limited = {"execution": {"config": {"multiprocess": {"max_concurrent": 1}}}}
    with run("both", instance, limited) as result:
        assert result.success
        assert os.getpid() not in step_pids(result).values()


def test_every_job_of_the_code_location_runs_under_it() -> None:
    # The implicit asset job (the UI's and `dagster asset materialize`'s), the ingest jobs and
    # the scheduled jobs, whose several steps stay in their own processes.
    jobs = [defs.resolve_implicit_global_asset_job_def()]
    jobs += [defs.resolve_job_def(name) for name in ("incident_io_hourly", "ai_tools_daily")]
    jobs += [defs.resolve_job_def(j.name) for j in defs.jobs if j.name.startswith("ingest_")]
    assert len(jobs) > 3
    for job in jobs:
        assert job.executor_def is one_step_in_process_executor, job.name
