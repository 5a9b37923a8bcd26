"""The instance files in deploy/ are valid Dagster configuration and say the same thing as the
Helm values; the demo installs the local one. Quick: nothing connects to a database."""

import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from ops_metrics import settings
from ops_metrics.scheduling import SOURCE_TAG

DEPLOY = settings.PROJECT_ROOT / "deploy"
EXPECTED_TAG_LIMITS = [
    {"key": SOURCE_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
    {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
]


@pytest.mark.parametrize("name", ["dagster.local.yaml", "dagster.production.yaml"])
def test_instance_files_validate(name: str, tmp_path: Path) -> None:
    shutil.copyfile(DEPLOY / name, tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == EXPECTED_TAG_LIMITS
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["run_retries"]["enabled"] and config["run_retries"]["max_retries"] == 2
    assert config["run_monitoring"]["enabled"]


def test_local_instance_limits_the_warehouse_pool(tmp_path: Path) -> None:
    shutil.copyfile(DEPLOY / "dagster.local.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_retries_max_retries == 2
        info = instance.event_log_storage.get_pool_limits()  # pools seen so far: none yet
        assert info == [] or all(p.limit == 1 for p in info)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_helm_values_mirror_the_production_instance() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    production = yaml.safe_load((DEPLOY / "dagster.production.yaml").read_text())
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert (
        queued["tagConcurrencyLimits"]
        == production["concurrency"]["runs"]["tag_concurrency_limits"]
    )
    assert daemon["runRetries"]["maxRetries"] == production["run_retries"]["max_retries"]
    assert (
        values["concurrency"]["pools"]["defaultLimit"]
        == production["concurrency"]["pools"]["default_limit"]
    )
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    [location] = values["dagster-user-deployments"]["deployments"]
    assert location["codeServerArgs"] == ["-m", "ops_metrics.definitions"]
    assert (
        values["postgresql"]["postgresqlScheme"]
        == production["storage"]["postgres"]["postgres_db"]["scheme"]
    )


def test_demo_installs_the_local_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ops_metrics import demo

    # Set (not deleted) so monkeypatch restores it: _instance_home() exports DAGSTER_HOME.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    home = demo._instance_home()
    assert home == tmp_path / "dagster_home"
    assert (home / "dagster.yaml").read_text() == (DEPLOY / "dagster.local.yaml").read_text()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    demo._instance_home()  # an existing file is the user's: left alone
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
