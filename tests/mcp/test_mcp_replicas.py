"""Issue 19: an MCP call waiting on one replica returns when the approval is clicked on another — the decision, the
execution and the result travel through the database, not through the process that holds the call."""

from __future__ import annotations

import asyncio

from tests.approvals_helpers import click
from tests.harness import Harness
from tests.mcp.helpers import data_of, mcp_session, new_token
from tests.mcp.test_mcp_http import card_posted, start_merge
from tests.replicas import another_replica


async def test_the_call_on_one_replica_returns_after_a_click_on_the_other(menv: Harness) -> None:
    async with another_replica(menv) as other:
        _, secret = await new_token(menv)
        async with mcp_session(other.url, secret) as session:  # replica B holds the call
            call = start_merge(session)
            card = await card_posted(menv)
            await click(menv, "opsbot.approve", card, "U2")  # replica A (menv's) takes the click and runs it
            result = await asyncio.wait_for(call, 20)
    assert not result.is_error and data_of(result)["state"] == "succeeded"
    assert len(menv.github.merges) == 1
