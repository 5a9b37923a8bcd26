"""The dbt project handle shared by the assets, the resource and the tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster_dbt import DbtProject

from ops_metrics import settings

ops_metrics_dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    # duckdb, snowflake or emulator (settings.dbt_target); profiles.yml defaults to the same
    # variables, so dbt run by hand and Dagster agree without a flag.
    target=settings.dbt_target(),
)
# Under `dagster dev` the manifest is re-parsed on every load so model edits show up at once
# (when dbt is installed: without it the code location still loads, see dbt/assets.py).
if shutil.which("dbt") is not None:
    ops_metrics_dbt_project.prepare_if_dev()


# What a manifest is parsed from: a file here newer than the manifest makes it stale.
_PARSED_FROM = ("models", "macros", "seeds", "tests", "snapshots", "dbt_project.yml")


def _stale(project: DbtProject) -> bool:
    """Whether a project file changed after the manifest was written (a pull that added a
    model): the assets would otherwise be built from the old manifest and fail mid-run."""
    built = project.manifest_path.stat().st_mtime
    for name in _PARSED_FROM:
        path = Path(project.project_dir) / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def ensure_manifest(project: DbtProject = ops_metrics_dbt_project) -> Path:
    """Parse the project when no manifest exists yet (fresh clone, pytest, `dg` commands) or a
    project file is newer than it, so importing the definitions never needs a separate `dbt
    parse` step and never loads an outdated one. Images should still run `dagster-dbt project
    prepare-and-package` at build time (their files are not newer than their manifest)."""
    if not project.manifest_path.exists() or (shutil.which("dbt") and _stale(project)):
        if shutil.which("dbt") is None:
            raise FileNotFoundError(
                f"no dbt manifest at {project.manifest_path}, and the dbt executable 'dbt' is not "
                "on PATH to parse one: install dbt-core with its adapter, or build the manifest "
                "(`dagster-dbt project prepare-and-package`) where dbt is installed"
            )
        project.preparer.prepare(project)
    return project.manifest_path


def dbt_subprocess_env() -> dict[str, str]:
    """Variables the dbt subprocess needs: the warehouse file from the same settings as the IO
    manager, made absolute because dbt runs with the dbt project as its working directory.

    dbt's file log (dbt.log in each run's target folder) defaults to debug level: every statement
    of every node, which on a small hourly run is a third of dbt's wall clock (docs/benchmarks.md).
    Dagster keeps dbt's info-level events with the run, so the file log is kept at info unless
    DBT_LOG_LEVEL_FILE (dbt's own variable) asks for more."""
    return {
        "OPS_METRICS_DUCKDB_PATH": str(settings.duckdb_path().resolve()),
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or "info",
    }


def export_dbt_env() -> None:
    """DbtCliResource copies os.environ into the dbt subprocess, so set the variables there."""
    os.environ.update(dbt_subprocess_env())
