"""The outbox (bot.core.delivery.OutboxStore): every message to Slack stored under its idempotency key before it is
sent, and what became of it. Rows are scrubbed like every other (bot.store.table_rows)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.core.delivery import OutboxRow
from bot.store.database import rowcount
from bot.store.models import outbox_messages as outbox
from bot.store.table_rows import Rows

_ERROR_LENGTH = 500


class OutboxRows(Rows):
    async def reserve(
        self,
        key: str,
        *,
        method: str,
        channel: str | None,
        thread_ts: str | None,
        payload: dict[str, Any],
        now: datetime,
        deadline: datetime,
    ) -> OutboxRow:
        """Store the message once under `key` (pending); returns its row, the one stored before if there is one."""
        values = {
            "key": key, "method": method, "channel": channel, "thread_ts": thread_ts, "payload": payload,
            "status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now, "deadline_at": deadline,
        }  # fmt: skip
        stmt = self._insert(outbox).values(self._clean(values)).on_conflict_do_nothing(index_elements=["key"])
        await self.db.write(rowcount(stmt))
        row = await self._one(select(outbox).where(outbox.c.key == key))
        assert row is not None
        return _row(row)

    async def attempt(self, key: str, now: datetime) -> None:
        """An attempt starts: from now on the message may have reached Slack."""
        stmt = update(outbox).where(outbox.c.key == key).values(attempts=outbox.c.attempts + 1, next_attempt_at=None)
        await self.db.write(rowcount(stmt))

    async def failed_attempt(self, key: str, error: str, next_at: datetime) -> None:
        values = self._clean({"last_error": error[:_ERROR_LENGTH], "next_attempt_at": next_at})
        await self.db.write(rowcount(update(outbox).where(outbox.c.key == key).values(values)))

    async def delivered(self, key: str, ts: str | None, now: datetime) -> None:
        stmt = (
            update(outbox)
            .where(outbox.c.key == key, outbox.c.status != "delivered")  # a refused one sent again after all
            .values(status="delivered", ts=ts, delivered_at=now, next_attempt_at=None)
        )
        await self.db.write(rowcount(stmt))

    async def dead(self, key: str, error: str) -> None:
        values = self._clean({"status": "dead", "last_error": error[:_ERROR_LENGTH], "next_attempt_at": None})
        stmt = update(outbox).where(outbox.c.key == key, outbox.c.status == "pending").values(values)
        await self.db.write(rowcount(stmt))

    async def counts(self) -> dict[str, int]:
        """Rows by status (for tests and `check`)."""
        stmt = select(outbox.c.status, func.count().label("n")).group_by(outbox.c.status)
        return {str(r["status"]): int(r["n"]) for r in await self._all(stmt)}

    async def row(self, key: str) -> Mapping[str, Any] | None:
        return await self._one(select(outbox).where(outbox.c.key == key))


def _row(row: Mapping[str, Any]) -> OutboxRow:
    return OutboxRow(
        key=str(row["key"]),
        status=str(row["status"]),
        attempts=int(row["attempts"]),
        ts=row["ts"],
        created_at=row["created_at"],
        deadline_at=row["deadline_at"],
        last_error=row["last_error"],
    )
