"""Helpers shared by the AI-tool simulators: time, argument parsing and opaque cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.http import Request, Response

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions


class ApiError(Exception):
    """Raised inside a handler to answer with a vendor-shaped error; see `handles_errors`."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def handles_errors(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    def wrapped(request: Request) -> Response:
        try:
            return handler(request)
        except ApiError as exc:
            return exc.response

    return wrapped


def now_utc(options: SimulatorOptions) -> datetime:
    """The simulators' "now"; a naive clock value is taken to be UTC."""
    now = options.clock()
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def int_arg(value: object, default: int, lo: int, hi: int, error: Callable[[str], Response]) -> int:
    """Parse a paging number; out-of-range values are rejected as vendors do, never clamped."""
    if value is None or value == "":
        return default
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ApiError(error(f"invalid integer: {value!r}")) from None
    if not lo <= number <= hi:
        raise ApiError(error(f"value {number} out of range [{lo}, {hi}]"))
    return number


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
    except (ValueError, json.JSONDecodeError):
        return None
    return state if isinstance(state, dict) else None


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
