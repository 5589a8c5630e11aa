"""A second opsbot on the harness's database, clock and fakes, served over HTTP on loopback: another replica."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from bot.app.wiring import Opsbot, build
from tests.harness import Harness


@dataclass(frozen=True)
class Replica:
    bot: Opsbot
    url: str


@asynccontextmanager
async def another_replica(env: Harness) -> AsyncIterator[Replica]:
    bot = await build(env.settings(), clock=env.clock, migrate=False)
    await bot.start(sweep_interval=None)
    runner = web.AppRunner(bot.web)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Replica(bot=bot, url=f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
        await bot.close()
