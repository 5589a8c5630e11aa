"""Shared fixtures: a database per backend, the whole app wired to loopback fakes, and the corpus guard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.github_metrics import forget_budgets
from bot.store.engine import make_engine, upgrade_database
from tests.db import BACKENDS, create_pg_database, drop_pg_database, fresh_database
from tests.harness import Harness
from tests.upstream import guard

guard.install()


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every test that needs the real Tryton server (a ~50 s start, once per xdist worker) is slow."""
    if "tryton_env" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_github_budget_from_an_earlier_test() -> None:
    """GitHub's last known budget is process-wide (bot.core.github_metrics): each test starts knowing none."""
    forget_budgets()


@pytest.fixture(autouse=True)
def _only_upstream_reads_the_corpus() -> Iterator[None]:
    """A test that opens a file of the upstream corpus directly (not through tests/upstream.py) fails."""
    guard.take()
    yield
    stray = guard.take()
    if stray:
        pytest.fail(f"read outside the checkout without tests/upstream.py: {', '.join(sorted(set(stray)))}")


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
