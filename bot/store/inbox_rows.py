"""The inbox: every accepted event stored once (by its dedupe key), claimed by one worker under a short lease its
heartbeat renews (and, with it, the heartbeat of the steps it executes). Its payload is stored scrubbed
(bot.store.table_rows): after a retry or a restart the event is handled with secrets masked."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.domain import Event, InboxStatus, Source, StepStatus
from bot.core.jsonvalue import JsonObject
from bot.store.database import first, scalar, scalars
from bot.store.models import inbox, steps
from bot.store.table_rows import Rows

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # a heartbeat that stopped long ago: the step was cut off

_ACCEPT_COLUMNS = (
    "dedupe_key", "source", "type", "team_id", "payload", "status", "attempts", "created_at", "claimed_by",
    "lease_until",
)  # fmt: skip
_FINISH = (
    update(inbox)
    .where(inbox.c.id == bindparam("inbox_id"), inbox.c.claimed_by == bindparam("worker"))
    .values(
        status=bindparam("status"), finished_at=bindparam("finished_at"), error=bindparam("error"), lease_until=None
    )
)


class InboxRows(Rows):
    def __init__(self, engine: AsyncEngine, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(engine, secrets)
        # The statements on every event's path are built once: building one costs more than running it.
        self._accept = (
            self._insert(inbox)
            .values({name: bindparam(name) for name in _ACCEPT_COLUMNS})
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(inbox.c.id)
        )

    async def accept(self, event: Event, now: datetime, *, claim_for: tuple[str, datetime] | None = None) -> int | None:
        """Store an event once. Returns its inbox id, or None when the dedupe key was seen before.

        With `claim_for` (worker name, lease end) the same INSERT also claims it for that worker: the fast path
        needs no second statement, and if the worker dies its lease runs out and another one takes it.
        """
        values = {
            "dedupe_key": event.dedupe_key,
            "source": event.source.value,
            "type": event.type,
            "team_id": event.team_id,
            "payload": event_to_dict(event),
            "status": InboxStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "claimed_by": None,
            "lease_until": None,
        }
        if claim_for is not None:
            values.update(
                status=InboxStatus.PROCESSING.value, claimed_by=claim_for[0], lease_until=claim_for[1], attempts=1
            )
        inserted = await self.db.write_statement(self._accept, self._clean(values))
        return int(inserted.rows[0][0]) if inserted.rows else None

    async def claim(self, inbox_id: int, worker: str, now: datetime, lease_until: datetime) -> tuple[Event, int] | None:
        """Take one inbox item for this worker: (event, attempt number), or None if taken or finished."""
        claimable = or_(
            inbox.c.status == InboxStatus.PENDING.value,
            and_(inbox.c.status == InboxStatus.PROCESSING.value, inbox.c.lease_until < now),
        )
        stmt = (
            update(inbox)
            .where(inbox.c.id == inbox_id, claimable)
            .values(
                status=InboxStatus.PROCESSING.value,
                claimed_by=worker,
                lease_until=lease_until,
                attempts=inbox.c.attempts + 1,
            )
            .returning(inbox.c.payload, inbox.c.attempts)
        )
        row = await self.db.write(first(stmt))
        return None if row is None else (event_from_dict(row[0]), int(row[1]))

    async def finish(self, inbox_id: int, worker: str, now: datetime, *, error: str | None = None) -> None:
        status = InboxStatus.FAILED if error else InboxStatus.DONE
        values = {"inbox_id": inbox_id, "worker": worker, "status": status.value, "finished_at": now, "error": error}
        await self.db.write_statement(_FINISH, self._clean(values))

    async def renew(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        *,
        inbox_ids: Collection[int],
        step_ids: Collection[str],
    ) -> tuple[set[int], set[str]]:
        """The heartbeat, in one transaction: the leases of the inbox items `worker` is handling run on to
        `lease_until`, and the steps it is executing get `heartbeat_at = now`. Returns what was *not* renewed: taken
        by another worker (its lease had run out), or finished meanwhile."""
        leases = (
            update(inbox)
            .where(
                inbox.c.id.in_(inbox_ids),
                inbox.c.claimed_by == worker,
                inbox.c.status == InboxStatus.PROCESSING.value,
            )
            .values(lease_until=lease_until)
            .returning(inbox.c.id)
        )
        beats = (
            update(steps)
            .where(steps.c.id.in_(step_ids), steps.c.claimed_by == worker, steps.c.status == StepStatus.EXECUTING.value)
            .values(heartbeat_at=now)
            .returning(steps.c.id)
        )

        def op(conn: Connection) -> tuple[set[int], set[str]]:
            renewed = set(conn.execute(leases).scalars()) if inbox_ids else set()
            beaten = set(conn.execute(beats).scalars()) if step_ids else set()
            return set(inbox_ids) - renewed, set(step_ids) - beaten

        return await self.db.write(op)

    async def release_claims(self, worker: str) -> int:
        """Give back every item `worker` claimed and did not finish (a draining process): pending again, free for
        the next sweep of any worker. Its attempt count stays, so the next claim knows it is a retry. A step it
        left `executing` (a risky call cut off) gets a heartbeat long past: the next recovery, or the retry of its
        event, finds it cut off at once instead of after the heartbeat timeout."""
        give_back = (
            update(inbox)
            .where(inbox.c.claimed_by == worker, inbox.c.status == InboxStatus.PROCESSING.value)
            .values(status=InboxStatus.PENDING.value, claimed_by=None, lease_until=None)
        )
        cut_off = (
            update(steps)
            .where(steps.c.claimed_by == worker, steps.c.status == StepStatus.EXECUTING.value)
            .values(heartbeat_at=LONG_AGO)
        )

        def op(conn: Connection) -> int:
            released = int(conn.execute(give_back).rowcount)
            conn.execute(cut_off)
            return released

        return await self.db.write(op)

    async def claimable_ids(self, now: datetime, limit: int = 100) -> list[int]:
        stmt = (
            select(inbox.c.id)
            .where(
                or_(
                    inbox.c.status == InboxStatus.PENDING.value,
                    and_(inbox.c.status == InboxStatus.PROCESSING.value, inbox.c.lease_until < now),
                )
            )
            .order_by(inbox.c.id)
            .limit(limit)
        )
        ids: list[int] = await self.db.read(scalars(stmt))
        return ids

    async def inbox_status(self, dedupe_key: str) -> str | None:
        stmt = select(inbox.c.status).where(inbox.c.dedupe_key == dedupe_key)
        status: str | None = await self.db.read(scalar(stmt))
        return status


def event_to_dict(event: Event) -> JsonObject:
    return {
        "source": event.source.value,
        "type": event.type,
        "dedupe_key": event.dedupe_key,
        "team_id": event.team_id,
        "actor": event.actor,
        "channel": event.channel,
        "thread_ts": event.thread_ts,
        "message_ts": event.message_ts,
        "text": event.text,
        "payload": event.payload,
        "enterprise_id": event.enterprise_id,
        "user_team_id": event.user_team_id,
    }


def event_from_dict(data: Mapping[str, Any]) -> Event:
    return Event(
        source=Source(data["source"]),
        type=data["type"],
        dedupe_key=data["dedupe_key"],
        team_id=data["team_id"],
        actor=data["actor"],
        channel=data.get("channel"),
        thread_ts=data.get("thread_ts"),
        message_ts=data.get("message_ts"),
        text=data.get("text", ""),
        payload=dict(data.get("payload") or {}),
        enterprise_id=data.get("enterprise_id"),
        user_team_id=data.get("user_team_id"),
    )
