"""One daily-partitioned asset per AI tool, generated from the registry."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg

from ops_metrics.ai_tools.adapter import day_listing, load_adapter, read_day
from ops_metrics.ai_tools.usage import table_spec
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.asset import source_asset
from ops_metrics.ingestion.extractor import partition_window
from ops_metrics.ingestion.outputs import load_outputs
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.ingestion.values import reference_now
from ops_metrics.registry import TOOLS, Tool
from ops_metrics.scheduling import partitions_def
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import LoadBatch

DAILY = partitions_def(Tool.cadence)
# The vendor as a Dagster kind (the UI shows its icon where it knows one); "api" otherwise.
VENDOR_KINDS = {
    "llm_gateway": "litellm",
    "claude_code": "anthropic",
    "cursor": "cursor",
    "github_copilot": "github",
    "amp": "sourcegraph",
    "openai": "openai",
}


def _days(start: datetime, end: datetime) -> list[date]:
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build_tool_asset(tool: Tool) -> dg.AssetsDefinition:
    spec = table_spec(tool)

    @source_asset(
        tool,
        spec,
        kind=VENDOR_KINDS.get(tool.name, "api"),
        description=(
            f"{tool.name} ({tool.vendor}): daily usage per engineer, merged into "
            f"`{spec.qualified}` (one row per tool, engineer and day; re-pulling a day "
            "replaces it)."
        ),
        metadata={"vendor": tool.vendor},
    )
    def _daily_usage(
        context: dg.AssetExecutionContext, sources: SourcesResource
    ) -> Iterator[dg.Output[LoadBatch] | dg.AssetCheckResult]:
        window = partition_window(context)  # first: a reversed range fails before any request
        adapter = load_adapter(tool)
        source = f"ai_tools/{tool.name}"
        sources.require_live(source, tool.live_envs)
        client = adapter.client(tool, sources)
        # Each day is one listing (fetch_day), so the page budget is a day's.
        extractor = APIExtractor(
            source,
            client,
            retry=sources.retry_policy(),
            log=context.log,
            page_budget=sources.page_budget(timedelta(days=1)),
            listing=day_listing(adapter),
            # A day's fetch budget per day in the run (a backfill in one run reads many).
            fetch_budget=sources.fetch_budget(len(_days(window.start, window.end))),
        )
        transformer = DataTransformer(
            source,
            adapter.record_model,
            adapter.id_field,
            policy=tool.reject_policy,
            log=context.log,
            now=reference_now(sources),
        )
        days = _days(window.start, window.end)
        counts = {"engineers": 0, "unresolved_identities": 0, "api_actors": 0, "estimated_rows": 0}
        # Days the vendor cannot serve are skipped, not requested: nothing is loaded for them and
        # nothing already loaded is touched (the merge only upserts the rows it is given).
        today = sources.today()
        skipped = {day: why for day in days if (why := tool.unavailable(day, today))}
        for day, why in skipped.items():
            context.log.warning(f"{source}: day {day} skipped, outside the vendor's window: {why}")
        wanted = [day for day in days if day not in skipped]

        def rows() -> Iterator[list[dict[str, Any]]]:
            if not wanted:
                client.close()
                return
            with client:
                directory = adapter.directory(extractor, sources)
                for number, day in enumerate(wanted, start=1):
                    usage = read_day(adapter, tool, extractor, transformer, day, directory)
                    extracted_at = datetime.now(UTC)
                    counts["engineers"] += len(usage)
                    # API actors have no person behind them: they are not unresolved people.
                    counts["unresolved_identities"] += sum(
                        1 for u in usage if u.engineer_email is None and u.actor_type == "user"
                    )
                    counts["api_actors"] += sum(1 for u in usage if u.actor_type == "api")
                    counts["estimated_rows"] += sum(1 for u in usage if u.tokens_estimated)
                    if len(wanted) > 1:
                        context.log.info(
                            f"{source}: day {number}/{len(wanted)} ({day}): {len(usage)} rows"
                        )
                    yield [u.as_row(extracted_at) for u in usage]

        def metadata() -> dict[str, Any]:
            return {
                "days": len(wanted),
                "days_outside_vendor_window": len(skipped),
                "engineer_days": counts["engineers"],
                "unresolved_identities": counts["unresolved_identities"],
                "api_actors": counts["api_actors"],
                "estimated_rows": counts["estimated_rows"],
            }

        yield from load_outputs(spec, rows(), extractor, transformer, metadata)

    return _daily_usage


tool_assets: list[dg.AssetsDefinition] = [build_tool_asset(t) for t in TOOLS]
