"""/livez says the event loop answers; /readyz (and its alias /healthz) says started, database migrated, not
draining — so a database blip never restarts a pod, and a draining process stops getting traffic at once."""

from __future__ import annotations

import aiohttp
from sqlalchemy import text

from tests.harness import Harness


async def status(env: Harness, path: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(env.url + path) as resp:
        return resp.status


async def test_live_and_ready_after_start_then_not_ready_while_draining(env: Harness) -> None:
    assert env.bot is not None
    assert [await status(env, p) for p in ("/livez", "/readyz", "/healthz")] == [200, 200, 200]
    env.bot.drain()
    assert [await status(env, p) for p in ("/livez", "/readyz", "/healthz")] == [200, 503, 503]


async def test_a_database_behind_the_code_is_not_ready_but_still_live(env: Harness) -> None:
    assert env.bot is not None
    async with env.bot.engine.begin() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        assert await status(env, "/readyz") == 503
        assert await status(env, "/livez") == 200
    finally:  # the PostgreSQL test database is shared by the session: put its revision back
        async with env.bot.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert await status(env, "/readyz") == 200
