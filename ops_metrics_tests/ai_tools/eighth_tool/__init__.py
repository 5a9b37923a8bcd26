"""An eighth AI tool kept entirely in the tests: its registry entry (`TOOL`), its adapter module
(`adapters/review_bot.py`) and its simulator module (`simulators/review_bot.py`), found by the
tool's name under the packages the entry names. Nothing outside this package knows about it."""

from __future__ import annotations

from ops_metrics.registry import Tool

NAME = "review_bot"
PACKAGE = __name__

TOOL = Tool(
    NAME,
    "Review Bot usage API",
    "https://api.review-bot.example",
    adapter_package=f"{PACKAGE}.adapters",
    simulator_package=f"{PACKAGE}.simulators",
)
