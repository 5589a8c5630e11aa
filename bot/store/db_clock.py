"""The database's clock, read locally: every replica compares leases, heartbeats and expiries on one clock, however
far apart the replicas' own clocks are. `now()` is this machine's clock plus an offset measured from the database
(at start, then every minute); no query on the way of a lease."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.clock import Clock, SystemClock

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
FAR_OFF = timedelta(seconds=5)  # said in the log: worth fixing (NTP), though leases do not mind
SAMPLES = 3  # the offset of the quickest round trip of these is kept: its midpoint is the best estimate
_NOW = {
    "postgresql": "SELECT clock_timestamp()",  # the time now, not the transaction's start (`now()`)
    "sqlite": "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')",  # UTC, in milliseconds
}


class DatabaseClock:
    def __init__(self, engine: AsyncEngine, local: Clock | None = None) -> None:
        self.engine = engine
        self.local = local or SystemClock()
        self.offset = timedelta(0)  # the database's clock minus this machine's
        self._task: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return self.local.now() + self.offset

    async def sleep(self, seconds: float) -> None:
        await self.local.sleep(seconds)

    async def measure(self) -> timedelta:
        """Read the database's clock and keep the offset of the quickest of a few round trips. Returns it."""
        query = text(_NOW.get(self.engine.dialect.name, "SELECT CURRENT_TIMESTAMP"))
        best: tuple[timedelta, timedelta] | None = None  # (round trip, offset)
        async with self.engine.connect() as conn:
            for _ in range(SAMPLES):
                before = self.local.now()
                value = (await conn.execute(query)).scalar()
                after = self.local.now()
                sample = (after - before, as_utc(value) - (before + (after - before) / 2))
                if best is None or sample[0] < best[0]:
                    best = sample
        assert best is not None
        if abs(best[1]) > FAR_OFF and abs(best[1] - self.offset) > timedelta(seconds=1):
            log.warning("this machine's clock is %.1f s off the database's", -best[1].total_seconds())
        self.offset = best[1]
        return self.offset

    def start(self, every: float = REFRESH_SECONDS) -> None:
        self._task = asyncio.create_task(self._refresh_forever(every), name="database-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _refresh_forever(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.measure()
            except Exception:  # the last offset stays: clocks drift by milliseconds a minute, not seconds
                log.warning("could not read the database's clock; keeping an offset of %s", self.offset, exc_info=True)


def as_utc(value: object) -> datetime:
    """A timestamp as a database returns it: an aware datetime (PostgreSQL), naive UTC, or text (SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
