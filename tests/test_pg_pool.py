"""PostgreSQL's pool: idle connections are pinged before use, fresh ones are not, and a dead one is replaced unseen."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.metrics import REGISTRY
from bot.store.database import Database, scalar
from bot.store.engine import make_engine
from tests.db import PG_ADMIN_DSN, truncate_all


class Monotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def clock() -> Monotonic:
    return Monotonic()


@pytest.fixture
async def engine(pg_url: str | None, clock: Monotonic) -> AsyncIterator[AsyncEngine]:
    if pg_url is None:
        pytest.skip("PostgreSQL is not among OPSBOT_TEST_BACKENDS")
    engine = make_engine(pg_url, monotonic=clock)
    await truncate_all(engine)
    yield engine
    await engine.dispose()


def counts() -> tuple[int, int]:
    def value(name: str) -> int:
        return int(REGISTRY.get_sample_value(name) or 0)

    return value("opsbot_db_pings_total"), value("opsbot_db_connections_replaced_total")


async def backend_pid(db: Database) -> int:
    pid: int = await db.read(scalar(text("SELECT pg_backend_pid()")))
    return pid


async def test_a_connection_used_a_moment_ago_is_not_pinged(engine: AsyncEngine, clock: Monotonic) -> None:
    db = Database(engine)
    first = await backend_pid(db)
    before = counts()
    clock.value += 0.5
    assert await backend_pid(db) == first  # the same pooled connection, trusted without a ping
    assert counts() == before
    clock.value += 30
    assert await backend_pid(db) == first  # idle for 30 s: pinged, alive, kept
    assert counts() == (before[0] + 1, before[1])


async def test_an_idle_connection_the_server_closed_is_replaced_and_the_caller_never_sees_it(
    engine: AsyncEngine, clock: Monotonic
) -> None:
    db = Database(engine)
    dead = await backend_pid(db)
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 5000)", dead)  # returns once it has exited
    finally:
        await admin.close()
    _, replaced = counts()
    clock.value += 30
    alive = await backend_pid(db)
    assert alive != dead
    assert counts()[1] == replaced + 1
