"""What can be checked of the container image without a container engine: the Dockerfile's
build step that parses the dbt project succeeds, and the image's CMD serves the code location.
Both commands are read from the Dockerfile, so the tests and the image cannot drift apart."""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops_metrics import settings
from ops_metrics_tests.deploy.postgres import free_port

pytestmark = pytest.mark.slow

DOCKERFILE = settings.PROJECT_ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def image_cmd() -> list[str]:
    [cmd] = [args for instruction, args in _instructions() if instruction == "CMD"]
    return json.loads(cmd)


def prepare_step() -> str:
    [step] = [
        args
        for instruction, args in _instructions()
        if instruction == "RUN" and "prepare-and-package" in args
    ]
    return step


def _script(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_image_runs_the_code_server_as_cmd_not_entrypoint() -> None:
    # Kubernetes args replace CMD: the chart and the K8sRunLauncher both pass their own command.
    assert not [i for i, _ in _instructions() if i == "ENTRYPOINT"]
    cmd = image_cmd()
    assert cmd[:3] == ["dagster", "code-server", "start"]
    assert cmd[cmd.index("-m") + 1] == "ops_metrics.definitions"


def test_dbt_manifest_is_prepared_at_build_time(tmp_path: Path) -> None:
    # A copy of what the Dockerfile COPYs, without any manifest a developer may have locally.
    root = settings.PROJECT_ROOT
    ignore = shutil.ignore_patterns("target", "dbt_packages", "logs", "__pycache__", ".user.yml")
    for name in ("ops_metrics", "ops_metrics_dbt"):
        shutil.copytree(root / name, tmp_path / name, ignore=ignore)
    shutil.copy(root / "pyproject.toml", tmp_path)
    # PYTHONPATH puts the copy ahead of the editable install, so the copy's dbt project is parsed.
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "OPS_METRICS_HOME": str(tmp_path / "home")}
    env.pop("DAGSTER_IS_DEV_CLI", None)
    argv = shlex.split(prepare_step())
    argv[0] = _script(argv[0])
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    manifest = tmp_path / "ops_metrics_dbt" / "target" / "manifest.json"
    assert manifest.exists()
    assert json.loads(manifest.read_text())["metadata"]["project_name"] == "ops_metrics"


def test_image_cmd_serves_the_code_location(tmp_path: Path) -> None:
    cmd = image_cmd()
    port = free_port()
    cmd[cmd.index("-p") + 1] = str(port)  # the image's port may be taken on a CI machine
    cmd[0] = _script(cmd[0])
    env = {**os.environ, "OPS_METRICS_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    log = (tmp_path / "code_server.log").open("w")
    server = subprocess.Popen(
        cmd, cwd=settings.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        healthy = None
        while time.monotonic() < deadline and server.poll() is None:
            healthy = subprocess.run(
                [_script("dagster"), "api", "grpc-health-check", "-p", str(port)],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            if healthy.returncode == 0:
                break
            time.sleep(1)
        output = (tmp_path / "code_server.log").read_text()[-3000:]
        assert healthy is not None and healthy.returncode == 0, output
        # The server loaded the real definitions, not just bound the port.
        listed = subprocess.run(
            [_script("dagster"), "job", "list", "--grpc-port", str(port)],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        assert "incident_io_hourly" in listed.stdout, listed.stdout + listed.stderr
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
