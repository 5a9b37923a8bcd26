"""The dbt project (ops_metrics_dbt) as Dagster assets; `defs` is merged into ops_metrics.definitions."""
