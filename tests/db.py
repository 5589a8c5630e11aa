"""Test databases: SQLite (a fresh file per test) and PostgreSQL (one migrated database per session)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
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


_template: list[Path] = []


async def _sqlite_template() -> Path:
    """One SQLite file migrated by the real migrations per session; each test gets a copy (0.17 s → 1 ms)."""
    if not _template:
        folder = tempfile.mkdtemp(prefix="opsbot-template-")
        atexit.register(shutil.rmtree, folder, True)
        path = Path(folder) / "opsbot.db"
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade_database(engine)
        await engine.dispose()  # the last connection closing checkpoints the WAL into the file
        _template.append(path)
    return _template[0]


async def fresh_database(backend: str, tmp_path: Path, pg_url: str | None) -> AsyncIterator[str]:
    """Yield a migrated, empty database URL for one test."""
    if backend == "sqlite":
        target = tmp_path / "opsbot.db"
        shutil.copyfile(await _sqlite_template(), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    assert pg_url is not None
    engine = make_engine(pg_url)
    await truncate_all(engine)
    await engine.dispose()
    yield pg_url
