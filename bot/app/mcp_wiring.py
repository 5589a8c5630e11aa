"""The MCP server's parts, composed: the token store, the calls over the runner, and `/mcp` on the web app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.app.settings import Settings
from bot.core.clock import Clock
from bot.core.mcp_tokens import McpToken
from bot.core.ports import Audit, Directory, Store
from bot.core.tool_registry import ToolRegistry
from bot.dispatch.mcp_calls import McpCalls, McpLimits
from bot.edges import mcp_server
from bot.orchestration.runner import Runner
from bot.store.mcp_token_rows import TOUCH_EVERY, McpTokenStore


@dataclass(frozen=True, kw_only=True)
class Mcp:
    tokens: McpTokenStore
    calls: McpCalls
    clock: Clock

    async def touch(self, token: McpToken, now: datetime) -> None:
        """`last_used_at`, without a write per request: the token just read says whether it is due."""
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            await self.tokens.touch(token.id, now)

    def mount(self, app: web.Application, settings: Settings) -> None:
        mcp_server.mount(
            app, self.calls, find_token=self.tokens.by_secret, touch=self.touch, now=self.clock.now,
            allowed_origins=settings.mcp_origins,
        )  # fmt: skip


def build_mcp(
    settings: Settings,
    *,
    tokens: McpTokenStore,
    registry: ToolRegistry,
    runner: Runner,
    repo: Store,
    audit: Audit,
    clock: Clock,
    directory: Directory,
) -> Mcp:
    limits = McpLimits(
        calls_per_minute=settings.opsbot_mcp_calls_per_minute,
        open_requests=settings.opsbot_mcp_open_requests,
        wait_seconds=settings.opsbot_mcp_wait_seconds,
    )
    calls = McpCalls(
        registry=registry, runner=runner, repo=repo, audit=audit, clock=clock, directory=directory, limits=limits
    )
    return Mcp(tokens=tokens, calls=calls, clock=clock)
