"""The append-only, hash-chained audit log: write one row, read a scoped trail, or verify the whole chain."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import unmark_json
from bot.core.redact import redact
from bot.store.database import Database, all_rows
from bot.store.models import approvals, audit, decisions, runs

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x0B5B07  # any constant; names the audit chain's advisory lock


def row_hash(prev_hash: str, at: datetime, kind: str, run_id: str | None, actor: str | None, data: Any) -> str:
    canonical = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), kind, run_id, actor, data],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One row of the audit log, as stored (its data already redacted)."""

    id: int
    at: datetime
    kind: str
    run_id: str | None
    actor: str | None
    data: JsonObject
    prev_hash: str
    hash: str


def _entry(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=row["id"], at=row["at"], kind=row["kind"], run_id=row["run_id"], actor=row["actor"],
        data=row["data"] or {}, prev_hash=row["prev_hash"], hash=row["hash"],
    )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class TrailScope:
    """Whose trail a reader may see: the runs of `channel`, or (in a DM) the runs `user` requested or decided on.

    Exactly one of the two is set. Rows without a run (a click on a request that no longer exists, an error
    outside any run) belong to no channel and no one's run, so no scope shows them.
    """

    channel: str | None = None
    user: str | None = None

    def __post_init__(self) -> None:
        if (self.channel is None) == (self.user is None):
            raise ValueError("a trail scope is a channel or a user, exactly one")


@dataclass(frozen=True, kw_only=True)
class ChainReport:
    rows: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


class AuditLog:
    def __init__(self, engine: AsyncEngine, secrets: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.db = Database(engine)
        self._secrets = secrets
        self._lock = asyncio.Lock()
        self._advisory = engine.dialect.name == "postgresql"

    async def append(
        self, kind: str, *, at: datetime, run_id: str | None = None, actor: str | None = None, **data: Any
    ) -> None:
        # the marks of bot.core.mrkdwn never leave the process: a refusal's reason is stored as Slack text
        clean = unmark_json(redact(data, self._secrets))
        # One writer at a time in this process; across processes PostgreSQL serialises on an advisory lock and
        # the unique prev_hash turns any remaining race (SQLite, several processes) into a retry.
        async with self._lock:
            for _attempt in range(20):
                try:
                    await self.db.write(lambda conn: self._append(conn, at, kind, run_id, actor, clean))
                    return
                except IntegrityError:
                    continue
        raise RuntimeError("could not append to the audit log after 20 attempts")

    def _append(
        self, conn: Connection, at: datetime, kind: str, run_id: str | None, actor: str | None, data: Any
    ) -> None:
        if self._advisory:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
        prev = conn.execute(select(audit.c.hash).order_by(audit.c.id.desc()).limit(1)).scalar() or GENESIS
        digest = row_hash(prev, at, kind, run_id, actor, data)
        row = dict(at=at, kind=kind, run_id=run_id, actor=actor, data=data, prev_hash=prev, hash=digest)
        conn.execute(insert(audit).values(**row))

    async def rows(
        self,
        run_id: str | None = None,
        actor: str | None = None,
        *,
        since: datetime | None = None,
        run_prefix: str | None = None,
        last: int | None = None,
    ) -> list[AuditEntry]:
        stmt = select(audit).order_by(audit.c.id.desc() if last else audit.c.id)
        if run_id is not None:
            stmt = stmt.where(audit.c.run_id == run_id)
        stmt = _filtered(stmt, run_prefix=run_prefix, actor=actor, since=since)
        if last:
            stmt = stmt.limit(last)
        found = [_entry(row) for row in await self.db.read(all_rows(stmt))]
        return list(reversed(found)) if last else found

    async def trail(
        self,
        scope: TrailScope,
        *,
        actor: str | None = None,
        since: datetime | None = None,
        run_prefix: str | None = None,
        last: int = 40,
    ) -> list[AuditEntry]:
        """The last `last` rows of the runs in `scope` (oldest first), filtered in SQL through the runs they are of."""
        stmt = _scoped(scope).order_by(audit.c.id.desc()).limit(last)
        stmt = _filtered(stmt, run_prefix=run_prefix, actor=actor, since=since)
        return list(reversed([_entry(row) for row in await self.db.read(all_rows(stmt))]))

    async def verify(self) -> ChainReport:
        prev = GENESIS
        count = 0
        for row in await self.rows():
            count += 1
            if row.prev_hash != prev:
                return ChainReport(rows=count, broken_at=row.id, reason="a row before it was changed or removed")
            expected = row_hash(prev, row.at, row.kind, row.run_id, row.actor, row.data)
            if row.hash != expected:
                return ChainReport(rows=count, broken_at=row.id, reason="its content does not match its hash")
            prev = row.hash
        return ChainReport(rows=count)


def _filtered(stmt: Select[Any], *, run_prefix: str | None, actor: str | None, since: datetime | None) -> Select[Any]:
    """The rows of runs whose id starts with `run_prefix`, by `actor`, since `since` — each only when given."""
    if run_prefix is not None:
        stmt = stmt.where(audit.c.run_id.startswith(run_prefix, autoescape=True))
    if actor is not None:
        stmt = stmt.where(audit.c.actor == actor)
    if since is not None:
        stmt = stmt.where(audit.c.at >= since)
    return stmt


def _scoped(scope: TrailScope) -> Select[Any]:
    """Audit rows joined to their run (so rows without one drop out), limited to the scope's channel or person."""
    stmt = select(audit).select_from(audit.join(runs, runs.c.id == audit.c.run_id))
    if scope.channel is not None:
        return stmt.where(runs.c.channel == scope.channel)
    decided = (
        select(approvals.c.run_id)
        .select_from(approvals.join(decisions, decisions.c.approval_id == approvals.c.id))
        .where(decisions.c.user_id == scope.user)
    )
    return stmt.where(or_(runs.c.actor == scope.user, runs.c.id.in_(decided)))
