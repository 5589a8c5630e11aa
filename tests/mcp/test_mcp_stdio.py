"""Issue 19: `opsbot mcp` serves the same tools over stdio to a local client — the SDK's `stdio_client` starts it as
a subprocess — with the token `OPSBOT_MCP_TOKEN` names; a risky call's card is approved through the running opsbot,
and the stdio call returns the result it reads from the shared database."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.approvals_helpers import click
from tests.harness import BOT_TOKEN, GITHUB_TOKEN, SIGNING_SECRET, Harness
from tests.mcp.helpers import data_of, new_token
from tests.mcp.test_mcp_http import card_posted
from tests.test_cli import cli_env

pytestmark = pytest.mark.slow  # a subprocess that imports everything


async def test_stdio_lists_reads_and_waits_for_an_approval(menv: Harness, tmp_path: Path) -> None:
    _, secret = await new_token(menv, "cursor-desk")
    env = cli_env(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=menv.slack.url,
        GITHUB_TOKEN=GITHUB_TOKEN, GITHUB_API_URL=menv.github.url, DATABASE_URL=menv.db_url,
        OPSBOT_MCP_TOKEN=secret, OPSBOT_LOG_LEVEL="WARNING",
    )  # fmt: skip
    server = StdioServerParameters(command=sys.executable, args=["-m", "bot.app.cli", "mcp"], env=env, cwd=tmp_path)
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await asyncio.wait_for(session.initialize(), 60)
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"list_pull_requests", "merge_pull_request", "get_request"} <= names
        read_result = await session.call_tool("list_pull_requests", {"repo": "acme/api"})
        assert [p["number"] for p in data_of(read_result)["result"]["pull_requests"]] == [7]

        call = asyncio.create_task(session.call_tool("merge_pull_request", {"repo": "acme/api", "number": 7}))
        card = await card_posted(menv)
        assert "requested by *cursor-desk* on behalf of <@U1>" in str(card.params["blocks"])
        await click(menv, "opsbot.approve", card, "U2")  # `opsbot run` (the harness) takes the click
        result = await asyncio.wait_for(call, 30)
    assert not result.is_error and data_of(result)["state"] == "succeeded"
    assert len(menv.github.merges) == 1


async def test_stdio_without_a_token_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", "mcp", env=cli_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"),
        cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2 and out == b""
    [line] = err.decode().strip().splitlines()
    assert line.startswith("opsbot: opsbot mcp needs OPSBOT_MCP_TOKEN")
