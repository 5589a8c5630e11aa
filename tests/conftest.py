"""Shared fixtures: a database per backend, and the whole app wired to loopback fakes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.store.engine import make_engine, upgrade_database
from tests.db import BACKENDS, create_pg_database, drop_pg_database, fresh_database
from tests.harness import Harness


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """One migrated PostgreSQL database for the whole session (tests truncate it)."""
    if "postgresql" not in BACKENDS:
        yield None
        return

    async def create() -> str:
        url = await create_pg_database()
        engine = make_engine(url)
        await upgrade_database(engine)
        await engine.dispose()
        return url

    url = asyncio.run(create())
    yield url
    asyncio.run(drop_pg_database(url))


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_url: str | None) -> AsyncIterator[str]:
    async for url in fresh_database(request.param, tmp_path, pg_url):
        yield url


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Harness]:
    async with Harness(db_url) as harness:
        yield harness
