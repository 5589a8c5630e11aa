"""The MCP SDK's own client against a running opsbot: streamable HTTP at `<url>/mcp` with a bearer token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from bot.core.mcp_tokens import McpToken
from tests.harness import Harness


@asynccontextmanager
async def mcp_session(url: str, secret: str | None, **headers: str) -> AsyncIterator[ClientSession]:
    sent = dict(headers)
    if secret is not None:
        sent["Authorization"] = f"Bearer {secret}"
    async with (
        create_mcp_http_client(headers=sent) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def new_token(
    env: Harness,
    name: str = "claude-laptop",
    *,
    user: str = "U1",
    channel: str | None = "C1",
    tools: tuple[str, ...] = (),
) -> tuple[McpToken, str]:
    assert env.bot is not None and env.bot.mcp is not None
    return await env.bot.mcp.tokens.create(
        name=name, user_id=user, team_id="T111", channel=channel, tools=list(tools), created_by=user,
        now=env.clock.now(),
    )  # fmt: skip


@dataclass
class Progress:
    said: list[str] = field(default_factory=list)
    _heard: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        async with self._heard:
            self.said.append(message or "")
            self._heard.notify_all()

    async def wait_for(self, fragment: str, timeout: float = 10) -> None:
        """Until a notification saying `fragment` has arrived."""
        async with self._heard:
            await asyncio.wait_for(self._heard.wait_for(lambda: any(fragment in m for m in self.said)), timeout)

    @property
    def request_id(self) -> str | None:
        first = next((m for m in self.said if m.startswith("request ")), None)
        return first.split(" ", 2)[1].rstrip(":") if first else None


def data_of(result: Any) -> dict[str, Any]:
    """The call's result as data: its structured content, which its text content says too."""
    text = json.loads(result.content[0].text)
    assert text == result.structured_content
    return dict(text)
