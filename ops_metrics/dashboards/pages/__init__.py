"""The body of each dashboard page, one module per page: charts where a reader would rather
look, small tables where they would rather read. Pages only select mart rows, format and lay
them out; every figure is computed by the dbt marts (ops_metrics.dashboards.data)."""
