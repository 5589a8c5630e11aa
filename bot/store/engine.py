"""Engine creation and migrations (Alembic, run programmatically over the app's own async engine)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.liveness import ping_idle_connections

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, monotonic: Callable[[], float] = time.monotonic, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    # The pool holds as many connections as the work in flight: with a smaller pool, every burst opens and closes
    # overflow connections, and each PostgreSQL connection is a new server process. Connections that sat idle are
    # pinged before use (bot/store/liveness.py), not every connection at every checkout.
    engine = create_async_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=False, **kwargs)
    ping_idle_connections(engine, now=monotonic)
    return engine


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout makes a second writer wait, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed transaction
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


def _at_head(connection: Connection) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == heads


def _schema_problem(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    wanted = ", ".join(sorted(heads))
    if not current:
        return f"has no opsbot tables (this opsbot needs migration {wanted})"
    try:
        for revision in current:
            script.get_revision(revision)
    except CommandError:
        return f"was migrated by a newer opsbot (to {', '.join(sorted(current))}; this one knows up to {wanted})"
    return f"is at migration {', '.join(sorted(current))}, behind this opsbot's {wanted}"


async def schema_problem(engine: AsyncEngine) -> str | None:
    """Why the database's schema is not the one this code needs (behind, empty, or newer); None when it is."""
    async with engine.connect() as conn:
        return await conn.run_sync(_schema_problem)


async def migrations_at_head(engine: AsyncEngine) -> bool:
    """Whether the database is migrated to the code's head revision (False when unreachable)."""
    try:
        async with engine.connect() as conn:
            return bool(await conn.run_sync(_at_head))
    except Exception:
        return False
