"""The dbt side of the registry: source YAML, staging stubs and the instance lists, generated.

`ops_metrics.registry` is the one place a workspace or tool is declared; dbt needs it spelled
out as files (one source and one staging model per instance, the Jinja loops' var lists). This
writes them, so adding an instance is a registry entry plus `ops-metrics dbt-codegen`; the
test suite runs `--check`, so a registry change that was not regenerated fails CI.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ops_metrics.registry import TOOLS, WORKSPACES, Tool, Workspace
from ops_metrics.settings import DBT_PROJECT_DIR

GENERATED = (
    "# Generated from ops_metrics/registry.py by `ops-metrics dbt-codegen`: edit the registry.\n"
)
_RAW_DATABASE = (
    "\"{{ env_var('SNOWFLAKE_DATABASE', target.database) if target.type == 'snowflake' "
    'else target.database }}"'
)
_SNOWFLAKE_NOTE = """\
# Raw columns carry no dbt tests: Dagster would attach them to the ingestion assets it does
# not run here and log them as observations. Staging tests the same guarantees.
# On Snowflake raw lives in the loader's database (SNOWFLAKE_DATABASE, RAW in production), which
# may differ from the database dbt writes (SNOWFLAKE_DBT_DATABASE, ANALYTICS); see profiles.yml.
"""


def _source(
    name: str,
    description: str,
    freshness: tuple[int, int],
    table: str,
    identifier: str,
    first: bool,
    anchor: str,
    table_description: str,
    columns: list[str],
) -> str:
    warn, error = freshness
    head = f"""\
  - name: {name}
    description: {description}
    schema: raw
    database: {_RAW_DATABASE}
    config:
      loaded_at_field: _loaded_at
      freshness:
        warn_after: {{count: {warn}, period: hour}}
        error_after: {{count: {error}, period: hour}}
    tables:
      - name: {table}
        identifier: {identifier}
"""
    if not first:
        return (
            head
            + f"        description: *{anchor}_description\n        columns: *{anchor}_columns\n"
        )
    cols = "".join(f"          - name: {c}\n" for c in columns)
    return head + (
        f"        description: &{anchor}_description >-\n{table_description}"
        f"        columns: &{anchor}_columns\n{cols}"
    )


def incident_sources(workspaces: Sequence[Workspace] = WORKSPACES) -> str:
    description = (
        "          One row per incident (primary key id, version column updated_at), as the API last\n"
        "          served it, with timestamps mapped per workspace and TTD/TTR/TTS computed at ingestion.\n"
    )
    body = "".join(
        _source(
            f"incident_io__{ws.name}",
            f"Incident.io workspace {ws.name} (raw.{ws.raw_table}).",
            (2, 6),
            "incidents",
            ws.raw_table,
            i == 0,
            "incident",
            description,
            ["id", "updated_at", "_loaded_at"],
        )
        for i, ws in enumerate(workspaces)
    )
    return (
        GENERATED
        + "# One source per Incident.io workspace (raw tables written by the Dagster ingestion assets),\n"
        "# mapped onto its ingestion asset key `incident_io/<workspace>/incidents` in\n"
        "# ops_metrics.dbt.translator. Hourly ingestion: warn after 2 h without a load, error after 6 h.\n"
        "version: 2\n\n" + _SNOWFLAKE_NOTE + "sources:\n" + body
    )


def tool_sources(tools: Sequence[Tool] = TOOLS) -> str:
    description = (
        "          One row per tool, UTC day and vendor identity (primary key tool, usage_date,\n"
        "          engineer_identifier; version column _extracted_at).\n"
    )
    body = "".join(
        _source(
            f"ai_tools__{t.name}",
            f"AI tool {t.name} (raw.{t.raw_table}).",
            (26, 50),
            "daily_usage",
            t.raw_table,
            i == 0,
            "usage",
            description,
            ["usage_date", "engineer_identifier", "_loaded_at"],
        )
        for i, t in enumerate(tools)
    )
    return (
        GENERATED
        + "# One source per AI tool (raw tables written by the Dagster ingestion assets), mapped onto\n"
        "# the ingestion asset key `ai_tools/<tool>/daily_usage` in ops_metrics.dbt.translator.\n"
        "# Daily ingestion at 14:30 UTC: warn after 26 h without a load, error after 50 h.\n"
        "version: 2\n\n" + _SNOWFLAKE_NOTE + "sources:\n" + body
    )


def workspace_stub(ws: Workspace) -> str:
    if ws.fixed_timestamp is None:
        comment = "the workspace has no fix timestamp"
        fixed = "none"
    else:
        comment = f'fixed_at its "{ws.fixed_timestamp}"'
        fixed = repr(ws.fixed_timestamp)
    sep = ";" if ws.fixed_timestamp is None else ","
    return (
        f'-- {ws.name}: detected_at is Incident.io\'s "{ws.detected_timestamp}" timestamp{sep} {comment}.\n'
        f"{{{{ stg_incident_io_incidents('{ws.name}', detected_timestamp={ws.detected_timestamp!r}, "
        f"fixed_timestamp={fixed}) }}}}\n"
    )


def tool_stub(tool: Tool) -> str:
    return (
        f"-- Canonical daily usage for {tool.name}; shape and PII handling live in the shared macro.\n"
        f"{{{{ stg_ai_tools_daily_usage('{tool.name}') }}}}\n"
    )


def _with_vars(project_yml: str, workspaces_: Sequence[Workspace], tools_: Sequence[Tool]) -> str:
    workspaces = ", ".join(ws.name for ws in workspaces_)
    tools = ", ".join(t.name for t in tools_)
    text = re.sub(
        r"(?m)^  incident_io_workspaces: \[.*\]$",
        f"  incident_io_workspaces: [{workspaces}]",
        project_yml,
    )
    return re.sub(r"(?m)^  ai_tools: \[.*\]$", f"  ai_tools: [{tools}]", text)


def rendered(
    project_dir: Path = DBT_PROJECT_DIR,
    workspaces: Sequence[Workspace] = WORKSPACES,
    tools: Sequence[Tool] = TOOLS,
) -> dict[Path, str]:
    staging = project_dir / "models" / "staging"
    project_yml = (project_dir / "dbt_project.yml").read_text()
    files = {
        staging / "incident_io" / "_incident_io__sources.yml": incident_sources(workspaces),
        staging / "ai_tools" / "_ai_tools__sources.yml": tool_sources(tools),
        project_dir / "dbt_project.yml": _with_vars(project_yml, workspaces, tools),
    }
    for ws in workspaces:
        files[staging / "incident_io" / f"stg_incident_io__{ws.name}__incidents.sql"] = (
            workspace_stub(ws)
        )
    for tool in tools:
        files[staging / "ai_tools" / f"stg_ai_tools__{tool.name}__daily_usage.sql"] = tool_stub(
            tool
        )
    return files


def sync(check: bool = False, project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """Write (or with `check`, only list) the files that differ from the registry."""
    files = rendered(project_dir)
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    if not check:
        for path in stale:
            path.write_text(files[path])
    return stale
