"""The code location's default executor: a run of one step runs it in the run's own process.

Dagster's default executor (multiprocess) starts a fresh interpreter per step, which imports the
whole code location again (~220 MB resident before any work) next to the run process that
already holds it (~270 MB). For a run with a single step, the usual shape of ingestion (an
`ingest_<source>` job, a UI or `dagster asset materialize` of one asset, a single-run backfill
of a month of hourly partitions), that second interpreter buys nothing: there is no other step
to run beside it. So such a run executes its step in-process, which saves the interpreter, its
start-up (a few seconds) and the step's events crossing a process boundary
(docs/benchmarks.md, "Issue 19: memory").

Runs of several steps (the scheduled `incident_io_hourly`: every workspace, then dbt; a UI
selection of several assets) keep the multiprocess executor unchanged: a slow source's step
must not hold up another's (ops_metrics_tests/reliability/test_slow_source_blocks_no_other.py).

What a one-step run gives up, and why it is acceptable:
- crash isolation: a step killed hard (the OOM killer, a native crash) takes the run process
  with it instead of being reported as a failed step. With the default run launcher the code
  server reports the dead run process as a failed run ("Run execution process ... exited"), and
  the instance's run retries (deploy/dagster.*.yaml) re-run it as they re-run a failed step;
  each merge (a load, or a chunk of a long one: warehouse/chunks.py) is one transaction, so
  nothing half-written is left either way.
- run termination: the same interrupt reaches the step in the run process as it would reach a
  step process; the merge rolls back on it.

The run config is the default executor's (`execution: config: multiprocess: ...` or
`in_process: ...`), so any run config written for Dagster's default keeps working; selecting
`in_process` runs every step in-process, as with the default.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from dagster._core.execution.context.system import PlanOrchestrationContext
    from dagster._core.execution.plan.plan import ExecutionPlan
    from dagster._core.execution.retries import RetryMode
    from dagster._core.execution.step_dependency_config import StepDependencyConfig

# The in-process executor's config is a subset of the multiprocess one's.
_IN_PROCESS_KEYS = ("retries", "step_dependency_config")


class OneStepInProcessExecutor(dg.Executor):
    """Delegates a plan of one step to the in-process executor, any other to multiprocess."""

    def __init__(self, multiprocess: dg.Executor, in_process: dg.Executor) -> None:
        self.multiprocess = multiprocess
        self.in_process = in_process

    @property
    def retries(self) -> RetryMode:
        return self.multiprocess.retries

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        return self.multiprocess.step_dependency_config

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[dg.DagsterEvent]:
        one_step = len(execution_plan.step_keys_to_execute) == 1
        chosen = self.in_process if one_step else self.multiprocess
        yield from chosen.execute(plan_context, execution_plan)


@dg.executor(
    name="multi_or_in_process_one_step_in_process",
    config_schema=dg.multi_or_in_process_executor.config_schema,
    requirements=dg.multi_or_in_process_executor.get_requirements,
)
def one_step_in_process_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    """Dagster's default executor, except that a run of one step runs it in-process."""
    default = dg.multi_or_in_process_executor.executor_creation_fn
    assert default is not None  # Dagster's own definition always has one
    config = init_context.executor_config
    if "multiprocess" not in config:  # `in_process` chosen in run config: every step in-process
        return default(init_context)
    multi = config["multiprocess"]
    assert isinstance(multi, dict)
    in_process_config = {"in_process": {k: multi[k] for k in _IN_PROCESS_KEYS if k in multi}}
    return OneStepInProcessExecutor(
        multiprocess=default(init_context),
        in_process=default(init_context._replace(executor_config=in_process_config)),
    )
