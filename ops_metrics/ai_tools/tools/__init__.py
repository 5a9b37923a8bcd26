"""One adapter module per AI tool in `registry.TOOLS`, each defining `ADAPTER` (see
`ops_metrics.ai_tools.adapter.ToolAdapter`); imported only when that tool's asset runs."""
