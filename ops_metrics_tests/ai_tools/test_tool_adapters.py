"""Each adapter's auth, paging and aggregation against the real simulator app in-process, checked
against the simulators' ground truth (the shared org model), never against our own output."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ops_metrics.ai_tools.adapter import load_adapter, read_day
from ops_metrics.ai_tools.estimation import (
    ESTIMATION_RULES,
    REPORTED,
    RULE_ACCEPTED_LINES,
    RULE_CHAT_PARTIAL,
    RULE_CHAT_PER_MESSAGE,
    RULE_CLAUDE_CODE_PER_REQUEST,
    RULE_COPILOT_CLI_PLUS_IDE,
)
from ops_metrics.ai_tools.tools.amp import ClientCredentialsAuth
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.ingestion.outputs import extraction_metadata
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.ingestion.transformer import DataTransformer
from ops_metrics.registry import Tool, tool
from ops_metrics.simulators.ai_tools import (
    amp,
    chat_assistant,
    claude_code,
    cursor,
    github_copilot,
    llm_gateway,
    openai,
)
from ops_metrics.simulators.ai_tools.org import get_org
from ops_metrics.simulators.app import SimulatorOptions, build_app, transport
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import AMP_CLIENT_ID, AMP_CLIENT_SECRET, TOOL_KEYS
from ops_metrics_tests.ai_tools._support import DAY, NOW, SEED, Waits, by_id, pull

ORG = get_org(SEED)
# An answer of the simulator, edited: (the request, its JSON body, the simulator) -> the body
# served instead. The simulator is there to ask it for other days as well.
Edit = Callable[[httpx.Request, Any, httpx.BaseTransport], Any]


def test_llm_gateway_sums_requests_per_user() -> None:
    rows, extractor = pull(tool("llm_gateway"))
    truth: dict[str, list[dict]] = defaultdict(list)
    for log in llm_gateway.day_rows(SEED, DAY):
        # The caller is `end_user`; the key owner `user` only when no caller was passed.
        truth[log.row["end_user"] or log.row["user"]].append(log.row)
    got = by_id(rows)
    assert set(got) == set(truth)
    assert extractor.stats.pages > 1  # page-number paging really pages
    for user, logs in truth.items():
        row = got[user]
        assert row.requests == len(logs)
        assert row.tokens_total == sum(r["total_tokens"] for r in logs)
        assert row.input_tokens == sum(r["prompt_tokens"] for r in logs)
        assert row.cost_usd == pytest.approx(sum(r["spend"] for r in logs))
        assert (row.tokens_estimated, row.estimation_rule) == (False, REPORTED)
        assert row.actor_type == ("user" if "@" in user else "api")
        assert row.engineer_email == (user if "@" in user else None)
    actors = {a.name for a in ORG.api_actors if "llm_gateway" in a.tools}
    assert {r.engineer_identifier for r in rows if r.actor_type == "api"} == actors


def test_claude_code_reported_and_estimated_rows() -> None:
    rows, _ = pull(tool("claude_code"))
    got = by_id(rows)
    truth = claude_code.day_rows(SEED, DAY)
    assert len(got) == len(truth)
    estimated = 0
    for raw in truth:
        actor = raw["actor"]
        row = got[actor.get("email_address") or actor["api_key_name"]]
        sessions = raw["core_metrics"]["num_sessions"]
        assert (row.sessions, row.requests) == (sessions, sessions)
        if raw["model_breakdown"]:
            tokens = sum(sum(m["tokens"].values()) for m in raw["model_breakdown"])
            cost = sum(m["estimated_cost"]["amount"] for m in raw["model_breakdown"]) / 100
            assert (row.tokens_total, row.estimation_rule) == (tokens, REPORTED)
            assert row.cost_usd == pytest.approx(cost)
        else:
            estimated += 1
            assert row.tokens_total == 7_500 * sessions
            assert (row.estimation_rule, row.tokens_estimated) == (
                RULE_CLAUDE_CODE_PER_REQUEST,
                True,
            )
            assert row.input_tokens is None and row.cost_usd is None
        assert row.actor_type == ("api" if actor["type"] == "api_actor" else "user")
    assert estimated > 0, "the day should exercise the estimate"
    engineers = {e.email for e in ORG.active_engineers("claude_code", DAY)}
    assert {r.engineer_email for r in rows if r.actor_type == "user"} == engineers


def test_cursor_counts_active_seats_and_measures_tokens_from_usage_events() -> None:
    rows, extractor = pull(tool("cursor"))
    got = by_id(rows)
    active = [r for r in cursor.day_rows(SEED, DAY).values() if r["isActive"]]
    assert len(got) == len(active) == len(ORG.active_engineers("cursor", DAY))
    events: dict[str, list[dict]] = defaultdict(list)
    for event in cursor.day_events(SEED, DAY):
        events[event["userEmail"]].append(event)
    rules = set()
    for raw in active:
        row = got[raw["email"]]
        assert row.accepted_lines == raw["acceptedLinesAdded"]
        assert row.requests == raw["subscriptionIncludedReqs"] + raw["usageBasedReqs"]
        usage = [e["tokenUsage"] for e in events[raw["email"]] if "tokenUsage" in e]
        if usage:  # measured: the events' tokens (cache included in input) and totalCents
            inp = sum(
                u["inputTokens"] + u["cacheWriteTokens"] + u["cacheReadTokens"] for u in usage
            )
            out = sum(u["outputTokens"] for u in usage)
            assert (row.input_tokens, row.output_tokens, row.tokens_total) == (inp, out, inp + out)
            assert row.cost_usd == pytest.approx(sum(u["totalCents"] for u in usage) / 100)
            assert (row.estimation_rule, row.tokens_estimated) == (REPORTED, False)
        else:  # no token-reporting event that day: estimated from accepted lines
            assert row.tokens_total == 15 * raw["acceptedLinesAdded"]
            assert (row.estimation_rule, row.tokens_estimated) == (RULE_ACCEPTED_LINES, True)
            assert row.cost_usd is None
        rules.add(row.estimation_rule)
    assert rules == {REPORTED, RULE_ACCEPTED_LINES}, "the day should exercise both"
    assert extractor.stats.retries == 0


def test_github_copilot_reads_every_download_link_and_resolves_logins() -> None:
    rows, extractor = pull(tool("github_copilot"))
    got = by_id(rows)
    records = github_copilot.day_records(SEED, DAY)
    assert len(got) == len(records) == len(ORG.active_engineers("github_copilot", DAY))
    links = github_copilot.file_count(len(records))
    # report + every link + the org directory.
    assert extractor.stats.requests == 1 + links + 1
    for rec in records:
        row = got[rec["user_login"]]
        cli = (rec.get("totals_by_cli") or {}).get("token_usage")
        ide = 15 * rec["loc_added_sum"]
        if cli:
            reported = cli["prompt_tokens_sum"] + cli["output_tokens_sum"]
            assert row.tokens_total == reported + ide
            assert row.input_tokens == cli["prompt_tokens_sum"]
            expected_rule = RULE_COPILOT_CLI_PLUS_IDE if rec["loc_added_sum"] else REPORTED
            assert row.estimation_rule == expected_rule
        else:
            assert (row.tokens_total, row.estimation_rule) == (ide, RULE_ACCEPTED_LINES)
    for eng in ORG.active_engineers("github_copilot", DAY):
        row = got[eng.github_login]
        resolvable = ORG.identity_resolvable("github_copilot", eng)
        assert row.engineer_email == (eng.email if resolvable else None)
    assert any(r.engineer_email is None for r in rows), "the day should have an unresolved login"


def test_amp_oauth_window_and_directory_fallback() -> None:
    rows, extractor = pull(tool("amp"))
    got = by_id(rows)
    users = amp.day_users(SEED, DAY)
    assert len(got) == len(users) == len(ORG.active_engineers("amp", DAY))
    assert extractor.stats.requests == 2  # usage window + directory (token fetch is auth's)
    for user in users:
        row = got[user["user"]["id"]]
        models = user["models"].values()
        assert row.tokens_total == sum(m["totalTokens"] for m in models)
        assert row.requests == sum(m["requests"] for m in models)
        assert row.cost_usd == pytest.approx(user["metrics"]["usage"])
    by_amp_id = {e.amp_user_id: e for e in ORG.engineers}
    for row in rows:
        eng = by_amp_id[row.engineer_identifier]
        resolvable = ORG.identity_resolvable("amp", eng)
        assert row.engineer_email == (eng.email if resolvable else None)
    # Amp sends no email to the analytics scope alone: every email came from the directory.
    assert all("email" not in rec["user"] for row in rows for rec in row.records)
    assert any(r.engineer_email for r in rows)


def test_openai_groups_by_user_and_model_and_keeps_leavers() -> None:
    rows, _ = pull(tool("openai"))
    got = by_id(rows)
    truth: dict[str | None, list[dict]] = defaultdict(list)
    for result in openai.day_results(SEED, DAY):
        truth[result["user_id"]].append(result)
    members = {u["id"]: u["email"] for u in openai.list_users(SEED, NOW.date())}
    assert len(got) == len(truth)
    for user_id, results in truth.items():
        row = got[user_id or "api-keys-without-user"]
        assert row.tokens_total == sum(r["input_tokens"] + r["output_tokens"] for r in results)
        assert row.requests == sum(r["num_model_requests"] for r in results)
        assert row.actor_type == ("user" if user_id else "api")
        assert row.engineer_email == members.get(user_id)
    assert any(r.actor_type == "user" and r.engineer_email is None for r in rows)


def test_openai_cost_is_the_measured_day_cost_shared_by_tokens() -> None:
    rows, _ = pull(tool("openai"))
    # The Costs API (what reconciles with the invoice) cannot group by user: its day total is
    # shared among the rows by their tokens, never estimated from a price list of ours.
    billed = sum(r["amount"]["value"] for r in openai.day_costs(SEED, DAY, []))
    assert billed > 0
    assert sum(r.cost_usd for r in rows) == pytest.approx(billed)
    tokens = sum(r.tokens_total for r in rows)
    for row in rows:
        assert row.cost_usd == pytest.approx(billed * row.tokens_total / tokens)
        assert not row.tokens_estimated and row.estimation_rule == "reported"
        # The row's payload names the cost results its share came from.
        assert any(rec.get("object") == "organization.costs.result" for rec in row.records)


def test_chat_assistant_sessions_reported_where_logged() -> None:
    rows, _ = pull(tool("chat_assistant"))
    got = by_id(rows)
    sessions: dict[str, list[dict]] = defaultdict(list)
    for _, item in chat_assistant.day_sessions(SEED, DAY):
        sessions[item["slack_user_id"]].append(item)
    assert len(got) == len(sessions) == len(ORG.active_engineers("chat_assistant", DAY))
    rules = set()
    for uid, items in sessions.items():
        row = got[uid]
        logged = [s for s in items if "input_tokens" in s]
        expected = sum(s["input_tokens"] + s["output_tokens"] for s in logged) + sum(
            1_250 * s["messages"] for s in items if "input_tokens" not in s
        )
        assert (row.sessions, row.tokens_total) == (len(items), expected)
        rules.add(row.estimation_rule)
    assert rules == {REPORTED, RULE_CHAT_PER_MESSAGE, RULE_CHAT_PARTIAL}
    directory = {d["slack_user_id"]: d["email"] for d in chat_assistant.directory(SEED, NOW.date())}
    for uid, row in got.items():
        assert row.engineer_email == directory.get(uid)


def test_every_rule_used_is_documented() -> None:
    for name in ("llm_gateway", "claude_code", "github_copilot", "chat_assistant"):
        rows, _ = pull(tool(name))
        assert {r.estimation_rule for r in rows} <= set(ESTIMATION_RULES)


# A vendor may answer more than the day asked for (a neighbouring bucket or entry), or write the
# day in another form. The day's rows must load all the same, and the other days' records be
# counted, fetched and skipped (fetched = used + rejected + skipped), never dropped unseen.


def _edited(edit: Edit) -> httpx.MockTransport:
    """The simulators in-process, pinned at NOW as `pull` reads them, with each JSON answer
    passed through `edit`: what a vendor may answer but the simulator does not."""
    simulator = transport(build_app(SimulatorOptions(seed=SEED, clock=fixed_clock(NOW))))

    def answer(request: httpx.Request) -> httpx.Response:
        response = simulator.handle_request(request)
        body = response.read()
        if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        return httpx.Response(200, json=edit(request, json.loads(body), simulator))

    return httpx.MockTransport(answer)


def _pull_edited(name: str, edit: Edit) -> tuple[list[UsageRow], dict[str, Any], int]:
    """One day of a tool read as the asset reads it, over the edited simulator: its rows, the
    extraction metadata the asset reports (`records_fetched`, `records_skipped`) and how many
    records were rejected."""
    the_tool: Tool = tool(name)
    adapter = load_adapter(the_tool)
    if name == "amp":
        auth: httpx.Auth | None = ClientCredentialsAuth(
            AMP_CLIENT_ID, AMP_CLIENT_SECRET, token_url="/oauth2/token"
        )
        headers = {}
    else:
        auth, headers = None, {"Authorization": f"Bearer {TOOL_KEYS[name]}"}
    client = httpx.Client(
        base_url="http://vendor.test", transport=_edited(edit), auth=auth, headers=headers
    )
    extractor = APIExtractor(the_tool.name, client, retry=RetryPolicy(sleep=Waits()))
    transformer = DataTransformer(the_tool.name, adapter.record_model, adapter.id_field)
    with client:
        rows = read_day(adapter, the_tool, extractor, transformer, DAY, directory={})
    rejected = len(transformer.rejects)
    return rows, extraction_metadata(extractor, transformer), rejected


def _unedited(request: httpx.Request, body: Any, simulator: httpx.BaseTransport) -> Any:
    return body


def _day_values(rows: list[UsageRow]) -> dict[str, dict[str, Any]]:
    return {r.engineer_identifier: r.model_dump(exclude={"records"}) for r in rows}


def _ask(simulator: httpx.BaseTransport, request: httpx.Request, **params: Any) -> Any:
    """The simulator's answer to `request` with `params` changed."""
    again = httpx.Request(
        request.method, request.url.copy_merge_params(params), headers=request.headers
    )
    response = simulator.handle_request(again)
    return json.loads(response.read())


OPENAI_BUCKETS = ("/v1/organization/usage/completions", "/v1/organization/costs")


def test_openai_buckets_of_other_days_are_counted_as_skipped_not_lost(caplog) -> None:
    """Before: the results of any bucket but the day's vanished, counted nowhere."""
    neighbours: list[dict[str, Any]] = []

    def with_neighbours(request: httpx.Request, body: Any, simulator: httpx.BaseTransport) -> Any:
        if request.url.path not in OPENAI_BUCKETS:
            return body
        start = int(request.url.params["start_time"])
        around = []
        for shift in (-86_400, 86_400):  # the day before and the day after, as OpenAI has them
            other = _ask(
                simulator, request, start_time=start + shift, end_time=start + shift + 86_400
            )
            around += other["data"]
        neighbours.extend(around)
        return {**body, "data": around[:1] + body["data"] + around[1:]}

    plain_rows, plain, _ = _pull_edited("openai", _unedited)
    with caplog.at_level(logging.WARNING):
        rows, meta, rejected = _pull_edited("openai", with_neighbours)

    other_results = sum(len(b["results"]) for b in neighbours)
    assert len(neighbours) == 4 and other_results > 0, "the neighbours should have usage"
    assert _day_values(rows) == _day_values(plain_rows)  # the day loads as it would alone
    assert plain["records_skipped"] == 0
    assert meta["records_skipped"] == other_results
    assert meta["records_fetched"] == plain["records_fetched"] + other_results
    used = len({id(r) for row in rows for r in row.records})  # a shared cost result counts once
    assert meta["records_fetched"] == used + rejected + meta["records_skipped"]
    starts = {str(b["start_time"]) for b in neighbours}
    warned = {s for s in starts for r in caplog.records if s in r.getMessage()}
    assert warned == starts, "each skipped bucket is named in a warning by its start"


@pytest.mark.parametrize("endpoint", OPENAI_BUCKETS)
def test_openai_bucket_off_utc_midnight_fails_naming_source_endpoint_and_field(
    endpoint: str,
) -> None:
    """A 1d bucket that does not start at 00:00 UTC is no one UTC day: the day fails (before:
    its results vanished)."""

    def shifted(request: httpx.Request, body: Any, simulator: httpx.BaseTransport) -> Any:
        if request.url.path != endpoint:
            return body
        return {
            **body,
            "data": [{**b, "start_time": b["start_time"] + 3_600} for b in body["data"]],
        }

    with pytest.raises(EnvelopeError) as caught:
        _pull_edited("openai", shifted)
    error = caught.value
    assert (error.source, error.endpoint, error.key) == ("ai_tools/openai", endpoint, "start_time")
    assert "\n" not in str(error) and "not a UTC midnight" in str(error)
    assert str(error).startswith(f"ai_tools/openai: {endpoint} ")


AMP_USAGE = "/api/v2/workspace/analytics/daily-usage"


def _amp_dates(written: Callable[[str], str]) -> Edit:
    def rewrite(request: httpx.Request, body: Any, simulator: httpx.BaseTransport) -> Any:
        if request.url.path != AMP_USAGE:
            return body
        data = [{**e, "date": written(e["date"])} for e in body["data"]]
        return {**body, "data": data}

    return rewrite


@pytest.mark.parametrize("suffix", ["T00:00:00Z", "T00:00:00.000Z", "T00:00:00+00:00"])
def test_amp_entry_dated_by_a_midnight_utc_timestamp_loads(suffix: str) -> None:
    """Before: only `YYYY-MM-DD` matched, so the day's users were dropped unseen."""
    plain_rows, plain, _ = _pull_edited("amp", _unedited)
    rows, meta, _ = _pull_edited("amp", _amp_dates(lambda day: day + suffix))
    assert rows and _day_values(rows) == _day_values(plain_rows)
    assert len(rows) == len(amp.day_users(SEED, DAY))
    assert (meta["records_fetched"], meta["records_skipped"]) == (plain["records_fetched"], 0)


def test_amp_entries_of_other_days_are_counted_as_skipped_not_lost() -> None:
    """A window wider than the day (the day before and after, one as a timestamp): the day's
    users load; the others' are counted as fetched and skipped. Before: counted nowhere."""

    def wider(request: httpx.Request, body: Any, simulator: httpx.BaseTransport) -> Any:
        if request.url.path != AMP_USAGE:
            return body
        after = (DAY + timedelta(days=1)).isoformat()
        served = _ask(simulator, request, endDate=after, lookbackDays=3)
        data = served["data"]
        data[0] = {**data[0], "date": data[0]["date"] + "T00:00:00.000Z"}
        return {**served, "data": data}

    plain_rows, plain, _ = _pull_edited("amp", _unedited)
    rows, meta, rejected = _pull_edited("amp", wider)
    others = len(amp.day_users(SEED, DAY - timedelta(days=1))) + len(
        amp.day_users(SEED, DAY + timedelta(days=1))
    )
    assert others > 0
    assert _day_values(rows) == _day_values(plain_rows)
    assert meta["records_skipped"] == others
    assert meta["records_fetched"] == plain["records_fetched"] + others
    used = sum(len(r.records) for r in rows)
    assert meta["records_fetched"] == used + rejected + meta["records_skipped"]


@pytest.mark.parametrize(
    "written",
    ["05/03/2026", "2026-03-10T09:00:00Z", "2026-03-10T00:00:00+02:00", "yesterday"],
)
def test_amp_unreadable_date_fails_naming_source_endpoint_and_field(written: str) -> None:
    """Before: an entry whose date did not read as the day was dropped unseen."""
    with pytest.raises(EnvelopeError) as caught:
        _pull_edited("amp", _amp_dates(lambda _day: written))
    error = caught.value
    assert (error.source, error.endpoint, error.key) == ("amp", AMP_USAGE, "date")
    assert str(error).startswith(f"amp: {AMP_USAGE} answered an unexpected shape: 'date' is ")
    assert "\n" not in str(error) and written in str(error)
