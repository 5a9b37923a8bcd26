"""Per-key request limit over a sliding minute, measured on the simulator's clock (never wall time)
so tests can exhaust it and then move time forward instead of sleeping."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_LIMIT_PER_MINUTE = 1200  # the documented default per API key
OPTION_KEY = "incident_io_rate_limit_per_minute"
WINDOW = timedelta(minutes=1)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(moment: datetime) -> str:
    """The API's retry_after format, "Thu, 17 Apr 2025 11:17:18 UTC" (locale-independent)."""
    m = moment.astimezone(UTC)
    return f"{_DAYS[m.weekday()]}, {m.day:02d} {_MONTHS[m.month - 1]} {m.year} {m:%H:%M:%S} UTC"


@dataclass(frozen=True)
class Rejection:
    limit: int
    retry_at: datetime
    retry_after_seconds: int

    def body_fragment(self, key_name: str) -> dict[str, object]:
        return {
            "name": key_name,
            "limit": self.limit,
            "remaining": 0,
            "retry_after": http_date(self.retry_at),
        }


class RateLimiter:
    """Sliding-log limiter: at most `limit` accepted requests per key in any 60 s window."""

    def __init__(self, limit: int = DEFAULT_LIMIT_PER_MINUTE) -> None:
        if limit < 1:
            raise ValueError(f"{OPTION_KEY} must be a positive integer, got {limit!r}")
        self.limit = limit
        self._log: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()  # the loopback server answers on several threads

    def check(self, key: str, now: datetime) -> Rejection | None:
        """Record a request at `now` and return None, or a Rejection if the key is over its limit
        (rejected requests are not recorded, so a client that backs off recovers)."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        with self._lock:
            log = self._log.setdefault(key, deque())
            while log and log[0] <= now - WINDOW:
                log.popleft()
            if len(log) < self.limit:
                log.append(now)
                return None
            retry_at = log[0] + WINDOW
        if retry_at.microsecond:  # round up: retry_after is shown in whole seconds
            retry_at = retry_at.replace(microsecond=0) + timedelta(seconds=1)
        wait = max(1, math.ceil((retry_at - now).total_seconds()))
        return Rejection(self.limit, retry_at, wait)
