"""Pooled PostgreSQL connections: ping the ones that sat idle, not every one at every checkout.

SQLAlchemy's `pool_pre_ping` pings at every checkout, and with asyncpg a ping is three round trips (BEGIN, `;`,
ROLLBACK, for pgbouncer's sake): more than the one-statement transactions of the inbox. Like HikariCP's
"alive bypass window", a connection given back less than `window` seconds ago is trusted; an older one is pinged.
A connection whose socket the server has closed (a restart, `pg_terminate_backend`) is known closed by asyncpg at
no cost and is replaced at once. A failed ping raises `DisconnectionError`, so the pool replaces the connection
and tries again (the documented pessimistic pattern), and the caller never sees the dead one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import metrics

RETURNED_AT = "opsbot_returned_at"


def ping_idle_connections(
    engine: AsyncEngine, *, window: float = 1.0, now: Callable[[], float] = time.monotonic
) -> None:
    """Install the checkin/checkout listeners on `engine`'s pool (use it with `pool_pre_ping=False`)."""
    dialect = engine.dialect

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[RETURNED_AT] = now()

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if callable(is_closed) and is_closed():
            metrics.DB_REPLACED.inc()
            raise DisconnectionError("the server closed this connection")
        returned = record.info.get(RETURNED_AT)
        if returned is None or now() - returned < window:
            return  # new, or in use a moment ago
        metrics.DB_PINGS.inc()
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            metrics.DB_REPLACED.inc()
            raise DisconnectionError("the connection did not answer a ping") from exc

    event.listen(engine.sync_engine, "checkin", on_checkin)
    event.listen(engine.sync_engine, "checkout", on_checkout)
