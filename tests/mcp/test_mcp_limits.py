"""Issue 19: an agent's request expires like anyone's (an error with the reason), `requesters:` rules hold for it as
for its person, the per-token limits answer with a clear error, and `/ops pending` lists what it waits for."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.approvals_helpers import cards, click, submit_last_modal
from tests.harness import Harness
from tests.mcp.helpers import Progress, data_of, mcp_session, new_token
from tests.mcp.test_mcp_http import card_posted, start_merge

MERGE = {"repo": "acme/api", "number": 7}


async def test_an_expired_request_is_an_error_and_nothing_runs(menv: Harness) -> None:
    assert menv.bot is not None
    _, secret = await new_token(menv)
    async with mcp_session(menv.url, secret) as session:
        call = start_merge(session)
        await card_posted(menv)
        menv.clock.advance(25 * 3600)
        await menv.bot.timers.tick()
        result = await asyncio.wait_for(call, 20)
    assert result.is_error and data_of(result)["state"] == "expired"
    assert "expired in Slack before enough people approved it" in data_of(result)["error"]
    assert menv.github.merges == []


async def test_a_requesters_rule_holds_for_the_agent_of_someone_else(db_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  - name: merges\n    tools: [merge_pull_request]\n    requesters: [U5]\n")
    async with Harness(db_url, opsbot_mcp=True, opsbot_policy=str(policy)) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting", author="octocat", head="feat/rate-limit")
        env.slack.set_user("U5", name="eve", profile={"display_name": "Eve Moreau"})
        _, secret = await new_token(env)  # U1's agent: U1 may not ask for merges
        async with mcp_session(env.url, secret) as session:
            result = await asyncio.wait_for(session.call_tool("merge_pull_request", MERGE), 20)
    assert result.is_error and data_of(result)["error"].startswith("Only @Eve Moreau may ask for `merge_pull_request`")
    assert cards(env) == [] and env.github.merges == []


async def test_the_limits_per_token_answer_with_a_clear_error(db_url: str) -> None:
    async with Harness(
        db_url, opsbot_mcp=True, opsbot_mcp_calls_per_minute=3, opsbot_mcp_open_requests=1, opsbot_mcp_wait_seconds=0
    ) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting", author="octocat", head="feat/rate-limit")
        _, secret = await new_token(env)
        async with mcp_session(env.url, secret) as session:
            first = data_of(await session.call_tool("merge_pull_request", MERGE))
            assert first["state"] == "waiting_approval" and first["request_id"]  # answers at once: wait 0
            second = await session.call_tool("merge_pull_request", {**MERGE, "method": "squash"})  # another call
            assert second.is_error and "1 requests waiting for approval already" in data_of(second)["error"]
            await session.call_tool("list_pull_requests", {"repo": "acme/api"})
            fourth = await session.call_tool("list_pull_requests", {"repo": "acme/api"})
        assert fourth.is_error and "this token may make 3 a minute" in data_of(fourth)["error"]
        assert len(cards(env)) == 1

        await env.driver.command("pending", user="U1", channel="D1")
        await env.settle()
        listed = str(env.slack.calls_to("response_url")[-1].params)
        assert "Merge #7 Add rate limiting" in listed and "1 request waiting" in listed
        assert "asked by <@U1> via *claude-laptop*" in listed


async def test_the_same_call_sent_again_joins_the_open_request_instead_of_asking_twice(db_url: str) -> None:
    async with Harness(db_url, opsbot_mcp=True, opsbot_mcp_wait_seconds=0) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting", author="octocat", head="feat/rate-limit")
        _, secret = await new_token(env)
        async with mcp_session(env.url, secret) as session:
            first = data_of(await session.call_tool("merge_pull_request", MERGE))
            again = data_of(await session.call_tool("merge_pull_request", dict(reversed(MERGE.items()))))
            other = data_of(await session.call_tool("merge_pull_request", {**MERGE, "method": "squash"}))
        assert first["state"] == again["state"] == "waiting_approval"
        assert again["request_id"] == first["request_id"]  # a client's retry: the same request, one card
        assert other["request_id"] != first["request_id"]  # another call is another request
        assert len(cards(env)) == 2
        [card] = [c for c in cards(env) if "squash" not in str(c.params["blocks"])]
        await click(env, "opsbot.reject", card, "U2", channel=card.params["channel"])
        await submit_last_modal(env, "U2", {"reason": "not now"})
        async with mcp_session(env.url, secret) as session:
            ended = await session.call_tool("get_request", {"request_id": first["request_id"]})
            anew = data_of(await session.call_tool("merge_pull_request", MERGE))
        assert ended.is_error and data_of(ended)["state"] == "rejected"
        assert anew["request_id"] != first["request_id"]  # one that ended is not joined: asking again is new
        assert len(cards(env)) == 3 and env.github.merges == []


async def test_a_joined_call_waiting_does_not_hold_up_the_tokens_other_calls(db_url: str) -> None:
    async with Harness(db_url, opsbot_mcp=True) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting", author="octocat", head="feat/rate-limit")
        env.github.add_pr("acme/api", 8, "Cache the sessions", author="octocat", head="feat/cache")
        _, secret = await new_token(env)
        joined = Progress()
        async with mcp_session(env.url, secret) as s1, mcp_session(env.url, secret) as s2:
            first = asyncio.create_task(s1.call_tool("merge_pull_request", MERGE))
            await card_posted(env)
            again = asyncio.create_task(s2.call_tool("merge_pull_request", MERGE, progress_callback=joined))
            await joined.wait_for("the same call is already open")
            other = asyncio.create_task(s1.call_tool("merge_pull_request", {"repo": "acme/api", "number": 8}))
            await card_posted(env, count=2)  # while the joined call still waits: it holds nothing up
            assert not again.done() and len(cards(env)) == 2
            for call in (first, again, other):
                call.cancel()
            await asyncio.gather(first, again, other, return_exceptions=True)
