"""ops_metrics: operational health (incidents, AI developer tooling, SLOs) as Dagster assets."""
