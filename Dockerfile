# The ops_metrics code location image: serves the definitions over gRPC (the Helm chart's user
# deployment) and is the image the K8sRunLauncher starts every run in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    OPS_METRICS_HOME=/opt/dagster/data

WORKDIR /opt/dagster/app

# Dependencies first, so a code-only change reuses this layer.
COPY pyproject.toml setup.cfg README.md ./
COPY ops_metrics/__init__.py ops_metrics/__init__.py
RUN pip install ".[snowflake,deploy]" && pip uninstall -y ops_metrics

COPY ops_metrics ops_metrics
COPY ops_metrics_dbt ops_metrics_dbt
COPY workspace.yaml ./
# Editable on purpose: the dbt project sits beside the package (settings.DBT_PROJECT_DIR is
# resolved from the package's location), so the package must stay in /opt/dagster/app.
RUN pip install --no-deps -e . \
    && mkdir -p "$DAGSTER_HOME" "$OPS_METRICS_HOME"

# Parse the dbt project at build time, so the manifest ships in the image and no pod runs
# `dbt parse` on start (ops_metrics_tests/deploy/test_image.py runs this same line).
RUN dagster-dbt project prepare-and-package --file ops_metrics/dbt/project.py

EXPOSE 4000
# CMD, not ENTRYPOINT: Kubernetes `args` replace CMD, and both the chart's user deployment and the
# K8sRunLauncher's run pods pass their own command as args. An ENTRYPOINT would be prefixed to them.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "ops_metrics.definitions"]
