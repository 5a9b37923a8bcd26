"""Every run and step imports the code location: what it imports by default is what it costs.

Guarded by which modules load rather than by a timer, so the test is stable on slow machines.
Each check runs in a fresh interpreter, as Dagster's run and step processes do.
"""

import json
import os
import subprocess
import sys

from ops_metrics.settings import PROJECT_ROOT

SLOW_TO_IMPORT = ("dagster_snowflake", "snowflake.connector", "snowflake.core", "fakesnow")

PROBE = """
import json, sys
import ops_metrics.definitions as d
warehouse = d.defs.resources["warehouse"]
io_manager = d.defs.resources["warehouse_io_manager"]
print(json.dumps({
    "loaded": sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[1:]))),
    "warehouse": type(warehouse).__name__,
    "io_manager_warehouse": type(io_manager.warehouse).__name__,
}))
"""


def probe(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *SLOW_TO_IMPORT],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SNOWFLAKE_", "OPS_METRICS_TARGET", "OPS_METRICS_SNOWFLAKE_"))
    }


def test_the_default_code_location_does_not_import_snowflake(tmp_path):
    env = clean_env() | {"OPS_METRICS_HOME": str(tmp_path)}
    result = probe(env)
    assert result["loaded"] == []
    assert result["warehouse"] == "DuckDBWarehouse"


def test_the_snowflake_target_loads_a_snowflake_warehouse(tmp_path):
    env = clean_env() | {
        "OPS_METRICS_HOME": str(tmp_path),
        "OPS_METRICS_TARGET": "snowflake",
        "SNOWFLAKE_ACCOUNT": "acme-prod",
        "SNOWFLAKE_USER": "ops_metrics",
        "SNOWFLAKE_PASSWORD": "not-a-real-password",
        "SNOWFLAKE_DATABASE": "OPS",
        "SNOWFLAKE_ROLE": "LOADER",
        "SNOWFLAKE_WAREHOUSE": "LOAD_WH",
    }
    result = probe(env)
    assert (result["warehouse"], result["io_manager_warehouse"]) == (
        "SnowflakeWarehouse",
        "SnowflakeWarehouse",
    )
    assert "dagster_snowflake" in result["loaded"]
