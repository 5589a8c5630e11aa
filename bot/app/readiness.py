"""Whether this process should get traffic (`/readyz`): started, the database reachable and migrated to the code's
head, and not draining. Liveness (`/livez`) is only that the event loop answers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import migrations_at_head


@dataclass
class Readiness:
    engine: AsyncEngine
    started: bool = False
    draining: bool = False

    async def ready(self) -> bool:
        return self.started and not self.draining and await migrations_at_head(self.engine)
