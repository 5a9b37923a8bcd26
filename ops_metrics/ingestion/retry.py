"""Retry with exponential backoff and jitter, honouring what the server says about waiting."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TransportError,  # connection resets, refused connections, timeouts, broken reads
)


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 60.0
    # All attempts and waits of one logical request end within this many seconds (None: no
    # bound beyond the attempts), so a source that fails slowly cannot hold a run for long.
    budget_seconds: float | None = None
    # Injected so tests can record waits instead of sleeping, and benchmarks can go flat out.
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    clock: Callable[[], float] = time.monotonic

    def budget_end(self) -> float | None:
        """The monotonic instant a logical request starting now must end by."""
        return None if self.budget_seconds is None else self.clock() + self.budget_seconds

    def backoff(self, attempt: int) -> float:
        """Full jitter: spreads retries of many workers instead of synchronising them."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)

    def server_delay(self, response: httpx.Response) -> float | None:
        """Seconds the server asked us to wait: `Retry-After` (seconds or HTTP date), or
        Incident.io's body field `rate_limit.retry_after` (an HTTP date)."""
        header = response.headers.get("retry-after")
        if header:
            delay = self._parse_wait(header)
            if delay is not None:
                return delay
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("rate_limit"), dict):
            value = body["rate_limit"].get("retry_after")
            if isinstance(value, str | int | float):
                return self._parse_wait(str(value))
        return None

    def _parse_wait(self, value: str) -> float | None:
        value = value.strip()
        try:
            return max(0.0, min(float(value), self.max_delay))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value.replace(" UTC", " GMT"))
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, min((when - self.now()).total_seconds(), self.max_delay))
