"""The estimation rules and identity resolution on hand-written vendor records, with the
expected numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from ops_metrics.ai_tools.adapter import load_adapter
from ops_metrics.ai_tools.estimation import ESTIMATION_RULES
from ops_metrics.ai_tools.usage import UsageRow
from ops_metrics.registry import tool

DAY = date(2026, 3, 10)


def rows(
    tool_name: str, records: list[dict[str, Any]], directory: dict[str, str] | None = None
) -> list[UsageRow]:
    t = tool(tool_name)
    adapter = load_adapter(t)
    validated = [(adapter.record_model.model_validate(r), r) for r in records]
    return adapter.usage_rows(t, DAY, validated, directory or {})


def claude_row(
    day: str, actor: dict[str, str], sessions: int, breakdown: list[dict]
) -> dict[str, Any]:
    return {
        "date": day,
        "actor": actor,
        "core_metrics": {"num_sessions": sessions, "lines_of_code": {"added": 10, "removed": 2}},
        "model_breakdown": breakdown,
    }


def test_claude_code_estimates_7500_per_session_and_normalises_dates() -> None:
    ada = {"type": "user_actor", "email_address": "Ada.Lopez@example.com"}
    bot = {"type": "api_actor", "api_key_name": "svc-ci-review-bot"}
    sonnet = {
        "model": "claude-sonnet-4-5",
        "tokens": {"input": 100, "output": 50, "cache_read": 1_000, "cache_creation": 10},
        "estimated_cost": {"currency": "USD", "amount": 12.5},
    }
    out = rows(
        "claude_code",
        [
            claude_row("2026-03-10T00:00:00Z", ada, 3, []),  # the timestamp shape of the date
            claude_row("2026-03-10", bot, 2, [sonnet]),
        ],
    )
    by = {r.engineer_identifier: r for r in out}
    person = by["ada.lopez@example.com"]
    assert (person.tokens_total, person.tokens_estimated) == (3 * 7_500, True)
    assert person.estimation_rule == "claude_code_7500_per_request"
    assert (person.requests, person.sessions, person.accepted_lines) == (3, 3, 10)
    assert person.engineer_email == "Ada.Lopez@example.com" and person.actor_type == "user"
    robot = by["svc-ci-review-bot"]
    # input counts cache reads and writes: 100 + 1,000 + 10; plus 50 output.
    assert (robot.input_tokens, robot.output_tokens, robot.tokens_total) == (1_110, 50, 1_160)
    assert (robot.estimation_rule, robot.tokens_estimated) == ("reported", False)
    assert robot.cost_usd == pytest.approx(0.125)  # cents -> dollars
    assert (robot.actor_type, robot.engineer_email) == ("api", None)


def test_claude_code_row_for_another_day_is_left_to_its_partition() -> None:
    ada = {"type": "user_actor", "email_address": "ada@example.com"}
    assert rows("claude_code", [claude_row("2026-03-11T00:00:00Z", ada, 1, [])]) == []


def test_cursor_and_copilot_ide_completions_are_15_tokens_per_accepted_line() -> None:
    [cur] = rows(
        "cursor",
        [
            {
                "date": 1773100800000,  # 2026-03-10, epoch ms
                "email": "a@example.com",
                "isActive": True,
                "acceptedLinesAdded": 40,
                "subscriptionIncludedReqs": 7,
                "usageBasedReqs": 1,
            },
            # An idle seat is no usage.
            {"date": 1773100800000, "email": "b@example.com", "isActive": False},
        ],
    )
    assert (cur.tokens_total, cur.accepted_lines, cur.requests) == (600, 40, 8)
    assert (cur.estimation_rule, cur.tokens_estimated, cur.input_tokens) == (
        "ide_15_per_accepted_line",
        True,
        None,
    )


def copilot(login: str, lines: int, cli: dict[str, int] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "day": "2026-03-10",
        "user_id": 1,
        "user_login": login,
        "user_initiated_interaction_count": 4,
        "loc_added_sum": lines,
    }
    if cli is not None:
        record["used_cli"] = True
        record["totals_by_cli"] = {"session_count": 2, "request_count": 5, "token_usage": cli}
    return record


def test_copilot_cli_tokens_are_reported_and_mixed_rows_name_their_rule() -> None:
    directory = {"octo-ada": "ada@example.com", "octo-bo": "bo@example.com"}
    out = rows(
        "github_copilot",
        [
            copilot("Octo-Ada", 10, {"prompt_tokens_sum": 1_000, "output_tokens_sum": 200}),
            copilot("octo-bo", 0, {"prompt_tokens_sum": 300, "output_tokens_sum": 30}),
            copilot("octo-cy", 20),
        ],
        directory,
    )
    by = {r.engineer_identifier: r for r in out}
    mixed = by["Octo-Ada"]  # logins resolve case-insensitively
    assert (mixed.tokens_total, mixed.input_tokens, mixed.output_tokens) == (
        1_000 + 200 + 150,
        1_000,
        200,
    )
    assert (mixed.estimation_rule, mixed.tokens_estimated) == (
        "copilot_cli_reported_plus_ide_estimate",
        True,
    )
    assert (mixed.requests, mixed.sessions, mixed.engineer_email) == (4 + 5, 2, "ada@example.com")
    cli_only = by["octo-bo"]
    assert (cli_only.tokens_total, cli_only.estimation_rule, cli_only.tokens_estimated) == (
        330,
        "reported",
        False,
    )
    ide = by["octo-cy"]
    assert (ide.tokens_total, ide.estimation_rule, ide.sessions) == (
        300,
        "ide_15_per_accepted_line",
        None,
    )
    # Unknown to the directory: kept with its login, no email.
    assert (
        ide.engineer_email,
        ide.as_row(datetime(2026, 3, 11, tzinfo=UTC))["identity_resolved"],
    ) == (None, False)


def session(
    sid: str, uid: str, messages: int, tokens: tuple[int, int] | None, email: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "session_id": sid,
        "slack_user_id": uid,
        "started_at": "2026-03-10T14:00:00Z",
        "messages": messages,
    }
    if tokens:
        item["input_tokens"], item["output_tokens"] = tokens
    if email:
        item["user_email"] = email
    return item


def test_chat_tokens_reported_where_logged_else_1250_per_message() -> None:
    out = rows(
        "chat_assistant",
        [
            session("s1", "U1", 3, (900, 300)),
            session("s2", "U1", 4, None),
            session("s3", "U2", 2, None),
            session("s4", "U3", 1, (100, 20), email="cy@example.com"),
        ],
        {"u1": "ada@example.com"},
    )
    by = {r.engineer_identifier: r for r in out}
    assert (by["U1"].tokens_total, by["U1"].estimation_rule) == (
        1_200 + 4 * 1_250,
        "chat_reported_where_logged",
    )
    assert (by["U1"].input_tokens, by["U1"].sessions, by["U1"].requests) == (900, 2, 7)
    assert (by["U2"].tokens_total, by["U2"].estimation_rule, by["U2"].input_tokens) == (
        2_500,
        "chat_1250_per_message",
        None,
    )
    assert (by["U3"].tokens_total, by["U3"].estimation_rule, by["U3"].tokens_estimated) == (
        120,
        "reported",
        False,
    )
    # U1 resolved via the directory, U3 by the email on the session, U2 by neither.
    assert [by[u].engineer_email for u in ("U1", "U2", "U3")] == [
        "ada@example.com",
        None,
        "cy@example.com",
    ]


def test_unknown_ids_are_kept_unresolved_and_api_traffic_is_an_api_actor() -> None:
    out = rows(
        "openai",
        [
            {
                "user_id": "user-known",
                "model": "gpt-5",
                "input_tokens": 10,
                "output_tokens": 5,
                "num_model_requests": 1,
            },
            {
                "user_id": "user-known",
                "model": "o3",
                "input_tokens": 20,
                "output_tokens": 5,
                "num_model_requests": 2,
            },
            {
                "user_id": "user-gone",
                "model": "gpt-5",
                "input_tokens": 1,
                "output_tokens": 1,
                "num_model_requests": 1,
            },
            {
                "user_id": None,
                "model": "gpt-5",
                "input_tokens": 7,
                "output_tokens": 3,
                "num_model_requests": 4,
            },
        ],
        {"user-known": "k@example.com"},
    )
    by = {r.engineer_identifier: r for r in out}
    assert (by["user-known"].tokens_total, by["user-known"].requests) == (40, 3)
    assert by["user-known"].engineer_email == "k@example.com"
    gone = by["user-gone"]
    assert (gone.engineer_email, gone.actor_type, gone.tokens_total) == (None, "user", 2)
    api = by["api-keys-without-user"]
    assert (api.actor_type, api.engineer_email, api.tokens_total) == ("api", None, 10)
    amp_rows = rows(
        "amp",
        [
            {
                "user": {"id": "amp-unknown"},
                "metrics": {"linesAdded": 3, "usage": 0.5},
                "models": {
                    "gpt-5": {
                        "requests": 2,
                        "inputTokens": 40,
                        "outputTokens": 2,
                        "totalTokens": 42,
                    }
                },
            }
        ],
    )
    assert [(r.engineer_identifier, r.engineer_email, r.tokens_total) for r in amp_rows] == [
        ("amp-unknown", None, 42)
    ]


def test_every_rule_has_a_description() -> None:
    from ops_metrics.ai_tools import estimation

    names = {v for k, v in vars(estimation).items() if k == "REPORTED" or k.startswith("RULE_")}
    assert names == set(ESTIMATION_RULES)
