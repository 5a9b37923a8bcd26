"""The warehouse side: table specs, stage-and-merge backends (DuckDB, Snowflake), the IO manager."""
