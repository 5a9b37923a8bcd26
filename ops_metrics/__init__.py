"""ops_metrics: operational health (incidents, AI developer tooling, SLOs) as Dagster assets."""

import warnings

# Every ingestion asset backfills as a single run (`backfill_policy=single_run()`): a week of
# hourly partitions is one run, one merge. Dagster 1.13 marks that parameter beta and warns once
# per asset at import (ten lines, twice per `dagster asset materialize`: once loading the code,
# once in the step's process). We use it knowingly; this filter is set here, before any asset is
# defined, and matches only that notice, so every other Dagster warning still shows.
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `backfill_policy` of function `asset` is currently in beta",
)
