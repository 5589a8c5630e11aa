"""Issue 19: the prompt-injection corpus through MCP — in tool arguments and in the outside text tool results carry
— never makes anything risky run without approval, and results come back as data, with nothing of ours mixed in."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.agent.injection_corpus import payloads
from tests.approvals_helpers import cards
from tests.harness import Harness
from tests.mcp.helpers import data_of, mcp_session

pytestmark = pytest.mark.slow  # 105 payloads, 4 calls each over real HTTP

LIVE_BROADCAST = re.compile(r"<!(channel|here|everyone)>")


async def test_injected_text_through_mcp_never_runs_anything_risky(db_url: str) -> None:
    corpus = payloads()
    assert len(corpus) >= 100
    limits = {"opsbot_mcp_wait_seconds": 0, "opsbot_mcp_open_requests": 1000, "opsbot_mcp_calls_per_minute": 10_000}
    async with Harness(db_url, model=False, opsbot_mcp=True, **limits) as env:
        assert env.bot is not None and env.bot.mcp is not None
        env.github.add_pr("acme/api", 1, "Innocent change", author="mallory")
        env.github.add_workflow("acme/api", "deploy.yml", optional=("force",))
        _, secret = await env.bot.mcp.tokens.create(
            name="agent", user_id="U1", team_id="T111", channel="C1", tools=[], created_by="U1", now=env.clock.now()
        )
        async with mcp_session(env.url, secret) as session:
            for payload in corpus:
                # 1. in the arguments of risky calls: each waits for approval (answers "pending" at once here)
                risky: list[tuple[str, dict[str, Any]]] = [
                    ("merge_pull_request", {"repo": "acme/api", "number": 1, "commit_message": payload}),
                    ("create_issue", {"repo": "acme/api", "title": payload[:200], "body": payload}),
                ]
                for name, args in risky:
                    answer = data_of(await session.call_tool(name, args))
                    assert answer.get("state") == "waiting_approval" or "error" in answer, answer
                unknown = await session.call_tool("run_shell", {"command": payload})
                assert unknown.is_error
                # 2. in outside text a read returns: the pull request's body, as data under `result`
                env.github.repos["acme/api"].pulls[1].body = payload
                read = data_of(await session.call_tool("get_pull_request", {"repo": "acme/api", "number": 1}))
                assert set(read) == {"tool", "result"} and read["result"]["description"] == payload
        assert env.github.merges == [] and env.github.dispatches == []
        assert [i for i in env.github.repos["acme/api"].issues.values() if i.title != "Innocent change"] == []
        for card in cards(env):  # every risky call is a card, and outside text in it is escaped
            assert not LIVE_BROADCAST.search(str(card.params["blocks"]))
