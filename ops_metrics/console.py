"""What the CLI's commands share: the Dagster instance they record runs in, their terminal lines,
and the per-run log file that gets everything the terminal does not show.

A demo prints a few progress lines and one line per failure; Dagster's event log, dbt's output and
every stack trace go to `$OPS_METRICS_HOME/logs/<command>-<UTC time>.log` (one file per run, plain
text), or to the terminal as well with `--verbose`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ops_metrics import settings

# Colour and cursor sequences (dbt's and coloredlogs' output): a log file is read with `less`.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def instance_home() -> Path:
    """DAGSTER_HOME, else $OPS_METRICS_HOME/dagster_home (exported, so the runs a command records
    are those `dagster dev` on the same home shows)."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    # The laptop instance (one DuckDB writer at a time, run queue limits), so `dagster dev` on
    # this home honours them too. A dagster.yaml already there is the user's: keep it.
    local_yaml = settings.PROJECT_ROOT / "deploy" / "dagster.local.yaml"
    if local_yaml.exists() and not (home / "dagster.yaml").exists():
        shutil.copyfile(local_yaml, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


class _PlainWriter:
    """A text stream that writes ANSI-free text to the log file and, when `echo` is set, the
    original text to the terminal too."""

    def __init__(self, log: TextIO, echo: TextIO | None) -> None:
        self._log = log
        self._echo = echo

    def write(self, text: str) -> int:
        self._log.write(strip_ansi(text))
        if self._echo is not None:
            self._echo.write(text)
        return len(text)

    def flush(self) -> None:
        self._log.flush()
        if self._echo is not None:
            self._echo.flush()

    def isatty(self) -> bool:
        return False


class RunLog:
    """One run's log file. `say` prints a line to the terminal and the log; `captured()` sends
    everything printed inside it (Dagster's console logger, dbt's re-emitted output, warnings) to
    the log only, or to both when `verbose`."""

    def __init__(self, command: str, verbose: bool = False, now: datetime | None = None) -> None:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        directory = settings.home() / "logs"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{command}-{stamp}.log"
        number = 1
        while path.exists():  # two runs in the same second each get their own file
            number += 1
            path = directory / f"{command}-{stamp}-{number}.log"
        self.path = path
        self.verbose = verbose
        self._file = path.open("w", encoding="utf-8")

    def say(self, message: str = "") -> None:
        print(message, flush=True)
        self.write(message)

    def write(self, text: str) -> None:
        """Log only."""
        self._file.write(strip_ansi(text).rstrip("\n") + "\n")
        self._file.flush()

    def detail(self, text: str) -> None:
        """Full error text (stack traces): the log, and the terminal too when `verbose`."""
        if not text:
            return
        self.write(text)
        if self.verbose:
            print(text, file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def captured(self) -> Iterator[None]:
        sys.stdout.flush()
        sys.stderr.flush()
        out = _PlainWriter(self._file, sys.stdout if self.verbose else None)
        err = _PlainWriter(self._file, sys.stderr if self.verbose else None)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # type: ignore[type-var]
            try:
                yield
            finally:
                out.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
