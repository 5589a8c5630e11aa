"""Test databases: SQLite (a fresh file per test) and PostgreSQL (one migrated database per session)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import make_engine, upgrade_database
from bot.store.models import Base

PG_ADMIN_DSN = os.environ.get("OPSBOT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("OPSBOT_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


async def create_pg_database() -> str:
    """Create a throwaway database and return its async URL."""
    name = f"opsbot_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def truncate_all(engine: AsyncEngine) -> None:
    names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


async def fresh_database(backend: str, tmp_path: Path, pg_url: str | None) -> AsyncIterator[str]:
    """Yield a migrated, empty database URL for one test."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'opsbot.db'}"
        engine = make_engine(url)
        await upgrade_database(engine)
        await engine.dispose()
        yield url
        return
    assert pg_url is not None
    engine = make_engine(pg_url)
    await truncate_all(engine)
    await engine.dispose()
    yield pg_url
