"""Simulators for the AI developer tools in `registry.TOOLS`, plus the org directory.

Each tool lives in the module of the same name and exposes `register(router, options)`; adding a
tool is a registry entry plus that module. All tools share one engineer population (`org.py`),
so the same person shows up consistently across vendors under each vendor's own identity.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ops_metrics.registry import TOOLS
from ops_metrics.simulators.ai_tools._common import ApiError, handles_errors, int_arg, now_utc
from ops_metrics.simulators.ai_tools.org import get_org
from ops_metrics.simulators.http import Request, Response, Router

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

DIRECTORY_PATH = "/directory/v1/people"


def register(router: Router, options: SimulatorOptions) -> None:
    for tool in TOOLS:
        module = importlib.import_module(f"{__name__}.{tool.name}")
        module.register(router, options)
    _register_directory(router, options)


def _register_directory(router: Router, options: SimulatorOptions) -> None:
    """The company's people directory (an HR/IdP export): email, team and each person's linked tool
    identities. It is how consumers resolve logins and vendor user ids that carry no email."""

    def bad(message: str) -> Response:
        return Response.json({"error": message}, 400)

    @handles_errors
    def people(request: Request) -> Response:
        offset = int_arg(request.arg("offset"), 0, 0, 10_000_000, bad)
        limit = int_arg(request.arg("limit"), 100, 1, 1000, bad)
        rows = get_org(options.seed).directory(now_utc(options).date())
        return Response.json(
            {
                "items": rows[offset : offset + limit],
                "offset": offset,
                "limit": limit,
                "total": len(rows),
            }
        )

    router.add("GET", DIRECTORY_PATH, people)


__all__ = ["DIRECTORY_PATH", "ApiError", "register"]
