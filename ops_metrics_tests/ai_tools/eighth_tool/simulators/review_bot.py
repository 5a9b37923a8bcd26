"""Review Bot's simulated API: `GET /review-bot/v1/usage?date=YYYY-MM-DD&page=N`, Bearer key,
one record per engineer and day (email, reviews), page-number paging. It takes its users from the
shared org without any entry there (a tool org.py does not list gets the default profile)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops_metrics.simulators.ai_tools._common import ApiError, handles_errors, int_arg, parse_day
from ops_metrics.simulators.ai_tools.org import get_org
from ops_metrics.simulators.credentials import tool_key
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from datetime import date

    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "review_bot"
PATH = "/review-bot/v1/usage"
PAGE_SIZE = 25


def day_records(seed: int, day: date) -> list[dict[str, object]]:
    """Ground truth: every record the API holds for `day`."""
    org = get_org(seed)
    out: list[dict[str, object]] = []
    for eng in org.active_engineers(TOOL, day):
        reviews = 1 + int(4 * org.intensity(TOOL, eng, day))
        out.append(
            {
                "id": f"{eng.id}:{day}",
                "email": eng.email,
                "date": day.isoformat(),
                "reviews": reviews,
            }
        )
    return out


def register(router: Router, options: SimulatorOptions) -> None:
    def bad(message: str) -> Response:
        return Response.json({"error": message}, 400)

    @handles_errors
    def usage(request: Request) -> Response:
        if bearer_token(request) != tool_key(TOOL):
            raise ApiError(Response.json({"error": "unauthorized"}, 401))
        day = parse_day(request.arg("date"))
        if day is None:
            raise ApiError(bad("date must be YYYY-MM-DD"))
        page = int_arg(request.arg("page"), 1, 1, 100_000, bad)
        records = day_records(options.seed, day)
        chunk = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        more = page * PAGE_SIZE < len(records)
        return Response.json({"data": chunk, "next_page": page + 1 if more else None})

    router.add("GET", PATH, usage)
