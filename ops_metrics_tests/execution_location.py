"""A code location for the executor test: two independent assets under the code location's
default executor (ops_metrics/execution.py), each recording the process it ran in."""

import os

import dagster as dg

from ops_metrics.execution import one_step_in_process_executor


@dg.asset
def first() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"pid": os.getpid()})


@dg.asset
def second() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"pid": os.getpid()})


defs = dg.Definitions(
    assets=[first, second],
    jobs=[
        dg.define_asset_job("both", selection=[first, second]),
        dg.define_asset_job("one", selection=[first]),
    ],
    executor=one_step_in_process_executor,
)


def both() -> dg.JobDefinition:
    return defs.resolve_job_def("both")


def one() -> dg.JobDefinition:
    return defs.resolve_job_def("one")
