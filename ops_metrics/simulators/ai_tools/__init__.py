"""Simulators for the AI developer tools in `registry.TOOLS`, plus the org directory.

Each tool's simulator is the module its registry entry names (`Tool.simulator_module`, by default
`ops_metrics.simulators.ai_tools.<name>`), exposing `register(router, options)`; adding a tool is
a registry entry plus that module (and its adapter). A module is imported only when its tool is
used: `build_app` registers the tools in `options.tools` (None: every registry tool), and
`ensure_tool` registers one more on demand (SourcesResource does, as a tool's step starts), so a
missing or broken module fails only that tool. All tools share one engineer population
(`org.py`), so the same person shows up consistently across vendors under each vendor's own
identity; a tool not in org.py's table gets plausible adopters from its default profile.
"""

from __future__ import annotations

import importlib
import threading
import weakref
from typing import TYPE_CHECKING

from ops_metrics.registry import TOOLS, Tool
from ops_metrics.simulators.ai_tools._common import ApiError, handles_errors, int_arg, now_utc
from ops_metrics.simulators.ai_tools.org import get_org
from ops_metrics.simulators.http import Request, Response, Router

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

DIRECTORY_PATH = "/directory/v1/people"


class SimulatorModuleError(RuntimeError):
    """A tool's simulator module is missing or fails to import or register."""


# Per app: the options it was built with and the simulator modules registered on it so far.
_APPS: weakref.WeakKeyDictionary[Router, tuple[SimulatorOptions, set[str]]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def register(router: Router, options: SimulatorOptions) -> None:
    with _LOCK:
        _APPS[router] = (options, set())
    for tool in TOOLS if options.tools is None else options.tools:
        ensure_tool(router, tool)
    _register_directory(router, options)


def ensure_tool(router: Router, tool: Tool) -> None:
    """Register `tool`'s simulator on `router` unless it already is: import its module (only
    now) and call its `register`. Raises SimulatorModuleError, one line naming the tool and the
    module, when the module is missing or broken; the app's other tools are untouched."""
    module_name = tool.simulator_module
    with _LOCK:
        options, loaded = _APPS[router]
        if module_name in loaded:
            return
        try:
            module = importlib.import_module(module_name)
            module.register(router, options)
        except Exception as exc:  # a broken module: whatever it raises fails this tool alone
            raise SimulatorModuleError(
                f"ai_tools/{tool.name}: simulator module {module_name} cannot be loaded: "
                f"{type(exc).__name__}: {exc}".replace("\n", " ")
            ) from exc
        loaded.add(module_name)


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


__all__ = ["DIRECTORY_PATH", "ApiError", "SimulatorModuleError", "ensure_tool", "register"]
