"""The fetch budget: the most one run's whole fetch may take, per partition it covers."""

from __future__ import annotations

from dataclasses import dataclass

FETCH_BUDGET_VARIABLE = "OPS_METRICS_FETCH_BUDGET_SECONDS"


@dataclass(frozen=True)
class FetchBudget:
    """The most a run's whole fetch may take: so many seconds per partition it covers (a
    backfill in one run, or a catch-up, gets that many partitions' worth). The per-request
    deadline bounds one page; this bounds the pages together, so a server answering each page
    just inside the deadline cannot hold a run for pages x deadline."""

    per_partition: float
    partitions: int = 1

    @property
    def seconds(self) -> float:
        return self.per_partition * max(1, self.partitions)

    def describe(self) -> str:
        if self.partitions <= 1:
            return f"the {self.seconds:g} s fetch budget of a partition ({FETCH_BUDGET_VARIABLE})"
        return (
            f"the {self.seconds:g} s fetch budget of its {self.partitions} partitions "
            f"({self.per_partition:g} s each, {FETCH_BUDGET_VARIABLE})"
        )
