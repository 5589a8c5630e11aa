"""Issue 19: an MCP call waiting on one replica returns when the approval is clicked on another — the decision, the
execution and the result travel through the database, not through the process that holds the call."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.app.wiring import build
from tests.approvals_helpers import click
from tests.harness import Harness
from tests.mcp.helpers import data_of, mcp_session, new_token
from tests.mcp.test_mcp_http import card_posted


async def test_the_call_on_one_replica_returns_after_a_click_on_the_other(menv: Harness) -> None:
    other = await build(menv.settings(), clock=menv.clock, migrate=False)
    await other.start(sweep_interval=None)
    runner = web.AppRunner(other.web)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        _, secret = await new_token(menv)
        async with mcp_session(f"http://127.0.0.1:{port}", secret) as session:  # replica B holds the call
            call = asyncio.create_task(session.call_tool("merge_pull_request", {"repo": "acme/api", "number": 7}))
            card = await card_posted(menv)
            await click(menv, "opsbot.approve", card, "U2")  # replica A (menv's) takes the click and runs it
            result = await asyncio.wait_for(call, 20)
        assert not result.is_error and data_of(result)["state"] == "succeeded"
        assert len(menv.github.merges) == 1
    finally:
        await runner.cleanup()
        await other.close()
