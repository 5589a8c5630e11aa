"""The gauges /metrics reads from the database when it is scraped (bot.core.metrics.Backlog): a few counts over
small, indexed sets (pending approvals, unfinished inbox events, live leases), in one read transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.engine import Connection

from bot.core.domain import ApprovalStatus, InboxStatus, RunStatus
from bot.core.metrics import Backlog
from bot.store.database import Database
from bot.store.models import approvals, inbox, runs

PENDING, PROCESSING = InboxStatus.PENDING.value, InboxStatus.PROCESSING.value
ACTIVE_RUNS = [RunStatus.QUEUED.value, RunStatus.RUNNING.value, RunStatus.WAITING_APPROVAL.value]  # runs.status index


async def read_backlog(db: Database, now: datetime) -> Backlog:
    """`now` is the app's clock: an inbox event waits when it is pending, or claimed under a lease that ran out."""

    def op(conn: Connection) -> Backlog:
        unfinished = select(inbox.c.status, func.count()).where(inbox.c.status.in_([PENDING, PROCESSING]))
        by_status: dict[str, int] = dict(conn.execute(unfinished.group_by(inbox.c.status)).all())
        waiting = or_(inbox.c.status == PENDING, and_(inbox.c.status == PROCESSING, inbox.c.lease_until < now))
        oldest: datetime | None = conn.execute(select(func.min(inbox.c.created_at)).where(waiting)).scalar()
        return Backlog(
            approvals_pending=_count(conn, approvals, approvals.c.status == ApprovalStatus.PENDING.value),
            inbox_pending=int(by_status.get(PENDING, 0)),
            inbox_processing=int(by_status.get(PROCESSING, 0)),
            oldest_pending_seconds=0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0),
            inbox_leases=_count(conn, inbox, inbox.c.status == PROCESSING, inbox.c.lease_until >= now),
            turn_leases=_count(conn, runs, runs.c.status.in_(ACTIVE_RUNS), runs.c.turn_lease_until >= now),
        )

    return await db.read(op)


def _count(conn: Connection, table: Table, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0)
