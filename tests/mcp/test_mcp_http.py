"""Issue 19: opsbot's tools over MCP, through the SDK's real client against a running opsbot (streamable HTTP at
/mcp): the registry's tools listed, a read answered at once, a risky call carded in Slack and waited for — the
requester's own approval refused, another's runs the tool once and is the call's result —, a rejection an error
with its reason, a client that left finds the result with `get_request`; bad tokens, origins and tools refused."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from mcp import ClientSession
from mcp.types import CallToolResult

from bot.core.metrics import REGISTRY
from tests.approvals_helpers import cards, click, submit_last_modal
from tests.harness import Harness
from tests.mcp.helpers import Progress, data_of, mcp_session, new_token


def start_merge(session: ClientSession, progress: Progress | None = None) -> asyncio.Task[CallToolResult]:
    """The agent asks to merge #7: the call stays open while the card waits in Slack."""
    return asyncio.create_task(
        session.call_tool("merge_pull_request", {"repo": "acme/api", "number": 7}, progress_callback=progress)
    )


def counted(tool: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("opsbot_mcp_calls_total", {"tool": tool, "outcome": outcome}) or 0.0


async def card_posted(env: Harness, count: int = 1) -> Any:
    await env.slack.wait_for("chat.postMessage", lambda c: "opsbot.approve" in str(c.params.get("blocks")),
                             count=count, timeout=10)  # fmt: skip
    return cards(env)[count - 1]


async def test_tools_come_from_the_registry_and_a_read_answers_at_once(menv: Harness) -> None:
    assert menv.bot is not None
    _, secret = await new_token(menv)
    async with mcp_session(menv.url, secret) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
        registry = {s["name"]: s for s in menv.bot.service.registry.json_schemas()}
        assert set(listed) == set(registry) | {"get_request"}
        merge = listed["merge_pull_request"]
        assert merge.input_schema == registry["merge_pull_request"]["parameters"]  # one definition: the model's
        assert merge.description == registry["merge_pull_request"]["description"]

        result = await session.call_tool("list_pull_requests", {"repo": "acme/api"})
    assert not result.is_error
    data = data_of(result)
    assert data["tool"] == "list_pull_requests"
    assert [p["number"] for p in data["result"]["pull_requests"]] == [7]
    assert cards(menv) == []  # a read posts nothing


async def test_a_risky_call_waits_for_another_approver_and_returns_the_result(menv: Harness) -> None:
    _, secret = await new_token(menv)
    progress = Progress()
    async with mcp_session(menv.url, secret) as session:
        call = start_merge(session, progress)
        card = await card_posted(menv)
        shown = str(card.params["blocks"])
        assert "requested by *claude-laptop* on behalf of <@U1>" in shown
        await click(menv, "opsbot.approve", card, "U1")  # the person the agent acts for: not theirs to approve
        assert menv.github.merges == [] and not call.done()
        await click(menv, "opsbot.approve", card, "U2")
        result = await asyncio.wait_for(call, 20)
    assert not result.is_error, result.content
    data = data_of(result)
    assert data["state"] == "succeeded" and data["tool"] == "merge_pull_request"
    assert len(menv.github.merges) == 1
    assert progress.request_id == data["request_id"]
    assert any("waiting for 1 of 1 approval" in said for said in progress.said)


async def test_a_rejection_is_an_error_with_the_reason(menv: Harness) -> None:
    _, secret = await new_token(menv)
    async with mcp_session(menv.url, secret) as session:
        call = start_merge(session)
        card = await card_posted(menv)
        await click(menv, "opsbot.reject", card, "U2")
        await submit_last_modal(menv, "U2", {"reason": "not during the freeze"})
        result = await asyncio.wait_for(call, 20)
    assert result.is_error
    assert data_of(result)["error"] == "Rejected in Slack: not during the freeze"
    assert menv.github.merges == []


async def test_a_client_that_left_gets_the_result_from_get_request(menv: Harness) -> None:
    _, secret = await new_token(menv)
    progress = Progress()
    async with mcp_session(menv.url, secret) as session:
        call = start_merge(session, progress)
        card = await card_posted(menv)
        for _ in range(200):
            if progress.request_id:
                break
            await asyncio.sleep(0.05)  # sleep-ok: the first progress notification travels over real HTTP
        call.cancel()  # the agent gives up (or its laptop sleeps)
    request_id = progress.request_id
    assert request_id
    await click(menv, "opsbot.approve", card, "U2")
    assert len(menv.github.merges) == 1  # nothing was lost with the client
    async with mcp_session(menv.url, secret) as session:
        later = await session.call_tool("get_request", {"request_id": request_id})
        latest = await session.call_tool("get_request", {})  # a client that never learnt the id
    assert not later.is_error and data_of(later)["state"] == "succeeded"
    assert data_of(later)["result"] is not None
    [mine] = data_of(latest)["requests"]
    assert (mine["request_id"], mine["tool"], mine["state"]) == (request_id, "merge_pull_request", "succeeded")


async def test_a_bad_or_revoked_token_and_a_foreign_origin_are_refused(menv: Harness) -> None:
    assert menv.bot is not None and menv.bot.mcp is not None
    token, secret = await new_token(menv)
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream"}
    async with aiohttp.ClientSession() as http:
        for auth in (None, "Bearer opsbot_mcp_nope", f"Basic {secret}"):
            sent = headers | ({"Authorization": auth} if auth else {})
            async with http.post(f"{menv.url}/mcp", json=body, headers=sent) as answer:
                assert answer.status == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
                assert "Unknown or revoked token" in (await answer.json())["error"]["message"]
        sent = headers | {"Authorization": f"Bearer {secret}", "Origin": "https://evil.example"}
        async with http.post(f"{menv.url}/mcp", json=body, headers=sent) as answer:
            assert answer.status == 403
        sent = headers | {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        async with http.post(f"{menv.url}/mcp", data=b" " * (1024 * 1024 + 1), headers=sent) as answer:
            assert answer.status == 413  # bounded before the MCP layer reads it
        async with http.post(f"{menv.url}/mcp", data=b"{not json", headers=sent) as answer:
            assert answer.status == 400  # bad input from the client: a 4xx in words, never a 5xx
        await menv.bot.mcp.tokens.revoke(name=token.name, user_id="U1", now=menv.clock.now())
        sent = headers | {"Authorization": f"Bearer {secret}"}
        async with http.post(f"{menv.url}/mcp", json=body, headers=sent) as answer:
            assert answer.status == 401


async def test_a_tool_outside_the_tokens_list_is_refused_and_audited(menv: Harness) -> None:
    assert menv.bot is not None
    _, secret = await new_token(menv, tools=("list_*", "get_*"))
    before = {key: counted(*key) for key in (("merge_pull_request", "error"), ("unknown", "error"))}
    async with mcp_session(menv.url, secret) as session:
        listed = {t.name for t in (await session.list_tools()).tools}
        assert "merge_pull_request" not in listed and "list_pull_requests" in listed
        refused = await session.call_tool("merge_pull_request", {"repo": "acme/api", "number": 7})
        strict = await session.call_tool("list_pull_requests", {"repo": "acme/api", "sudo": True})
        await session.call_tool("run_shell", {"command": "id"})  # no such tool: counted, never as a new series
    assert {key: counted(*key) - value for key, value in before.items()} == {
        ("merge_pull_request", "error"): 1, ("unknown", "error"): 1
    }  # fmt: skip
    assert refused.is_error and "may not call `merge_pull_request`" in data_of(refused)["error"]
    assert strict.is_error and "`sudo` is not an argument of this tool" in data_of(strict)["error"]
    assert cards(menv) == [] and menv.github.merges == []
    rows = [r for r in await menv.bot.audit.rows() if r.kind == "mcp.call"]
    assert [(r.data["client"], r.data["tool"], r.data["outcome"]) for r in rows] == [
        ("claude-laptop", "merge_pull_request", "error"),
        ("claude-laptop", "list_pull_requests", "error"),
        ("claude-laptop", "run_shell", "error"),
    ]


async def test_the_endpoint_is_off_unless_asked_for(db_url: str) -> None:
    async with Harness(db_url) as env, aiohttp.ClientSession() as http, http.post(f"{env.url}/mcp", json={}) as answer:
        assert answer.status in (404, 405)
