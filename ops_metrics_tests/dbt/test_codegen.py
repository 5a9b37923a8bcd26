"""dbt's view of the registry is generated, and the committed files are up to date."""

import shutil
from pathlib import Path

from ops_metrics.cli import main
from ops_metrics.dbt.codegen import rendered, sync
from ops_metrics.registry import TOOLS, WORKSPACES, Workspace
from ops_metrics.settings import DBT_PROJECT_DIR


def test_the_committed_dbt_files_match_the_registry(capsys):
    assert main(["dbt-codegen", "--check"]) == 0, capsys.readouterr().out


def test_a_fourth_workspace_is_one_registry_entry(tmp_path: Path):
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    fourth = Workspace("companyd", detected_timestamp="Reported at", fixed_timestamp=None)
    files = rendered(project, [*WORKSPACES, fourth], TOOLS)
    stub = files[project / "models/staging/incident_io/stg_incident_io__companyd__incidents.sql"]
    assert "stg_incident_io_incidents('companyd', detected_timestamp='Reported at'" in stub
    assert "fixed_timestamp=none" in stub
    sources = files[project / "models/staging/incident_io/_incident_io__sources.yml"]
    assert "identifier: incident_io__companyd__incidents" in sources
    assert (
        "incident_io_workspaces: [companya, companyb, companyc, companyd]"
        in (files[project / "dbt_project.yml"])
    )
    assert len(sync(check=True, project_dir=project)) == 0  # the copy itself is in sync
