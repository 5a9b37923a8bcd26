"""A throwaway PostgreSQL cluster from Debian's server packages, for the daemon tests.

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user and every
server command goes through `runuser`. The cluster listens on 127.0.0.1 only, on a free port.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "dagster"
PASSWORD = "dagster-test-password"
DATABASE = "dagster"


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    db: str

    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.production.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db,
        }


def server_bin_dir() -> Path | None:
    """The newest installed server's bin directory (postgresql-NN), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str]) -> None:
    done = subprocess.run(_as_owner(argv), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def throwaway_cluster(bin_dir: Path) -> Iterator[Postgres]:
    # Not under pytest's tmp_path: its parent is private to root and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="ops_metrics_pg_"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, pwfile, log = root / "data", root / "pwfile", root / "server.log"
    port = free_port()
    started = False
    try:
        pwfile.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
             "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"]
        )  # fmt: skip
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off"
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        )
        started = True
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {DATABASE}"],
            check=True, capture_output=True, env=env, timeout=60,
        )  # fmt: skip
        yield Postgres("127.0.0.1", port, USER, PASSWORD, DATABASE)
    finally:
        if started:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)
