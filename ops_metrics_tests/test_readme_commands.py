"""Every dbt command in the README's code blocks works as written, from the directory it names,
on a fresh copy of the project whose warehouse is where `ops-metrics demo` leaves it
(`data/warehouse.duckdb`), with no variable set: the profile resolves the warehouse from the
project, not from the working directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ops_metrics_tests.dbt.raw_fixture import create_raw_tables

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# `dbt` as the program of a command (not dagster-dbt, not ops-metrics dbt-codegen).
DBT_COMMAND = re.compile(r"(?:^|&&|;)\s*dbt\s")


def readme_commands(text: str) -> list[str]:
    """The shell commands of the README's bash/sh code blocks, continuation lines joined and
    trailing comments dropped."""
    commands = []
    for language, body in FENCE.findall(text):
        if language not in ("bash", "sh", "shell", ""):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            command = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def dbt_commands() -> list[str]:
    return [c for c in readme_commands((REPO / "README.md").read_text()) if DBT_COMMAND.search(c)]


def test_the_readme_has_dbt_commands_to_run() -> None:
    commands = dbt_commands()
    assert any(c.startswith("cd ops_metrics_dbt && dbt ") for c in commands), commands


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The dbt project copied as a clone has it, and a warehouse where the demo writes one: raw
    tables plus every model built empty (the demo builds them full; unit tests need them to
    exist, not their rows)."""
    root = tmp_path_factory.mktemp("clone")
    shutil.copytree(
        REPO / "ops_metrics_dbt",
        root / "ops_metrics_dbt",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    (root / "data").mkdir()
    create_raw_tables(root / "data" / "warehouse.duckdb", datetime.now(UTC))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPS_METRICS_", "DBT_", "SNOWFLAKE_"))
    }
    # The setup names the file explicitly: only the README's commands rely on the default.
    setup_env = {**env, "OPS_METRICS_DUCKDB_PATH": str(root / "data" / "warehouse.duckdb")}
    subprocess.run(
        ["dbt", "build", "--empty", "--exclude-resource-type", "unit_test",
         "--exclude-resource-type", "test"],
        cwd=root / "ops_metrics_dbt", env=setup_env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return root, env


@pytest.mark.slow
@pytest.mark.parametrize("command", dbt_commands())
def test_readme_dbt_command_works_as_written(
    command: str, fresh_clone: tuple[Path, dict[str, str]]
) -> None:
    root, env = fresh_clone
    result = subprocess.run(
        ["bash", "-c", command], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    # Something ran: a profile pointing anywhere but the clone's data/ finds no models to test.
    assert re.search(r"PASS=[1-9]", result.stdout), result.stdout[-3000:]
