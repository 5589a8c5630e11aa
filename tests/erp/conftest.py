"""A real Tryton server, created, started and seeded once per test session, and stopped at its end."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from integrations.erp.tryton import Tryton
from integrations.erp.tryton_rpc import TrytonRpc
from tests.erp.tryton_seed import Seeded, seed
from tests.erp.tryton_server import TrytonServer, start_tryton
from tests.harness import Harness

TIMINGS: dict[str, float] = {}


@dataclass
class TrytonEnv:
    server: TrytonServer
    seeded: Seeded
    today: dt.date

    def adapter(self, http: aiohttp.ClientSession, *, password: str | None = None) -> Tryton:
        s = self.server
        return Tryton(http, url=s.url, database=s.database, user=s.user, password=password or s.password)


async def _seed(server: TrytonServer, today: dt.date) -> Seeded:
    async with aiohttp.ClientSession() as http:
        rpc = TrytonRpc(http, url=server.url, database=server.database, user=server.user, password=server.password)
        return await seed(rpc, today)


@pytest.fixture(scope="session")
def tryton_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrytonEnv]:
    server = start_tryton(tmp_path_factory.mktemp("tryton"))
    try:
        today = dt.date.today()
        started = time.monotonic()
        seeded = asyncio.run(_seed(server, today))
        TIMINGS.update(server.timings, seed=time.monotonic() - started)
        yield TrytonEnv(server=server, seeded=seeded, today=today)
    finally:
        server.stop()


@pytest.fixture
async def tryton(tryton_env: TrytonEnv) -> AsyncIterator[Tryton]:
    async with aiohttp.ClientSession() as http:
        yield tryton_env.adapter(http)


@pytest.fixture
async def rpc(tryton_env: TrytonEnv) -> AsyncIterator[TrytonRpc]:
    """A second, independent client: the tests look at what the tools did through it."""
    s = tryton_env.server
    async with aiohttp.ClientSession() as http:
        yield TrytonRpc(http, url=s.url, database=s.database, user=s.user, password=s.password)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        parts = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"Tryton fixture: {parts} (total {sum(TIMINGS.values()):.1f}s)")


@pytest.fixture
async def erp_env(db_url: str, tryton_env: TrytonEnv) -> AsyncIterator[Harness]:
    """The whole app (loopback Slack and GitHub) with the real Tryton server as its ERP."""
    s = tryton_env.server
    settings: dict[str, Any] = {
        "tryton_url": s.url,
        "tryton_database": s.database,
        "tryton_user": s.user,
        "tryton_password": s.password,
    }
    async with Harness(db_url, **settings) as harness:
        yield harness
