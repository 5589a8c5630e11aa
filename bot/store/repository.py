"""All SQL lives here: small Core statements, each one transaction; state changes are compare-and-set."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import (
    ApprovalRecord,
    ApprovalStatus,
    Decision,
    DecisionRecord,
    Event,
    InboxStatus,
    RunKind,
    RunRecord,
    RunStatus,
    Source,
    StepRecord,
    StepStatus,
)
from bot.store.database import Database, all_rows, first, one, rowcount, scalar, scalars
from bot.store.models import approvals, decisions, inbox, runs, steps, thread_locks
from bot.store.records import (
    approval_record,
    approval_values,
    decision_record,
    run_record,
    run_values,
    step_record,
    step_values,
)
from bot.transitions import approval_move, run_sources, step_move

R = TypeVar("R")

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


class Repository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.db = Database(engine)
        self._dialect = engine.dialect.name
        # The statements on every event's path are built once: building one costs more than running it.
        ins = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(inbox)
        self._accept = (
            ins.values({name: bindparam(name) for name in _ACCEPT_COLUMNS})
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(inbox.c.id)
        )

    # -- inbox ---------------------------------------------------------------------------------------

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
        inserted = await self.db.write_statement(self._accept, values)
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
        await self.db.write_statement(_FINISH, values)

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

    # -- runs and steps ------------------------------------------------------------------------------

    async def create_run(self, run: RunRecord, run_steps: Sequence[StepRecord]) -> None:
        def op(conn: Connection) -> None:
            conn.execute(insert(runs).values(**run_values(run)))
            if run_steps:
                conn.execute(insert(steps), [step_values(s) for s in run_steps])

        await self.db.write(op)

    async def run(self, run_id: str) -> RunRecord | None:
        return _maybe(run_record, await self._one(select(runs).where(runs.c.id == run_id)))

    async def run_for_inbox(self, inbox_id: int) -> RunRecord | None:
        return _maybe(run_record, await self._one(select(runs).where(runs.c.inbox_id == inbox_id)))

    async def step(self, step_id: str) -> StepRecord | None:
        return _maybe(step_record, await self._one(select(steps).where(steps.c.id == step_id)))

    async def steps_of(self, run_id: str) -> list[StepRecord]:
        stmt = select(steps).where(steps.c.run_id == run_id).order_by(steps.c.position)
        return [step_record(row) for row in await self._all(stmt)]

    async def steps_in(self, statuses: Iterable[StepStatus]) -> list[StepRecord]:
        stmt = select(steps).where(steps.c.status.in_([s.value for s in statuses]))
        return [step_record(row) for row in await self._all(stmt)]

    async def move_step(self, step_id: str, from_: Iterable[StepStatus], to: StepStatus, **values: Any) -> bool:
        """Compare-and-set a step's status (a move the transition table allows); True only for the one caller that
        made the change."""
        sources = step_move(from_, to)
        stmt = (
            update(steps)
            .where(steps.c.id == step_id, steps.c.status.in_([s.value for s in sources]))
            .values(status=to.value, **values)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def move_run(self, run_id: str, to: RunStatus, now: datetime) -> bool:
        """Set a run's status from any state the transition table lets move there; False if it is in another."""
        sources = [s.value for s in run_sources(to)]
        stmt = (
            update(runs).where(runs.c.id == run_id, runs.c.status.in_(sources)).values(status=to.value, updated_at=now)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def set_run_thread(self, run_id: str, thread_ts: str) -> None:
        stmt = update(runs).where(runs.c.id == run_id, runs.c.thread_ts.is_(None)).values(thread_ts=thread_ts)
        await self.db.write(rowcount(stmt))

    # -- agent runs and thread locks -----------------------------------------------------------------

    async def lock_thread(self, channel: str, thread_ts: str, run_id: str, now: datetime) -> bool:
        """Take the thread for this run; False while another run holds it (whichever replica asks)."""
        ins = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(thread_locks)
        stmt = ins.values(channel=channel, thread_ts=thread_ts, run_id=run_id, acquired_at=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["channel", "thread_ts"])
        return await self.db.write(rowcount(stmt)) == 1

    async def unlock_thread(self, channel: str, thread_ts: str, run_id: str) -> bool:
        stmt = delete(thread_locks).where(
            thread_locks.c.channel == channel, thread_locks.c.thread_ts == thread_ts, thread_locks.c.run_id == run_id
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def next_queued(self, channel: str, thread_ts: str) -> RunRecord | None:
        stmt = (
            select(runs)
            .where(runs.c.channel == channel, runs.c.thread_ts == thread_ts, runs.c.status == RunStatus.QUEUED.value)
            .order_by(runs.c.created_at, runs.c.id)
            .limit(1)
        )
        return _maybe(run_record, await self._one(stmt))

    async def claim_turn(self, run_id: str, now: datetime, until: datetime) -> bool:
        """Only one worker talks to the model for a run at a time; a lease, so a crash does not block it."""
        free = or_(runs.c.turn_lease_until.is_(None), runs.c.turn_lease_until < now)
        stmt = update(runs).where(runs.c.id == run_id, free).values(turn_lease_until=until)
        return await self.db.write(rowcount(stmt)) == 1

    async def save_turn(
        self, run_id: str, state: Mapping[str, Any], new_steps: Sequence[StepRecord], now: datetime
    ) -> None:
        """Persist a model answer and its tool calls together, so a restart never asks the model again."""

        def op(conn: Connection) -> None:
            conn.execute(
                update(runs).where(runs.c.id == run_id).values(state=dict(state), turn_lease_until=None, updated_at=now)
            )
            if new_steps:
                conn.execute(insert(steps), [step_values(s) for s in new_steps])

        await self.db.write(op)

    async def release_turn(self, run_id: str) -> None:
        await self.db.write(rowcount(update(runs).where(runs.c.id == run_id).values(turn_lease_until=None)))

    async def agent_runs_since(self, actor: str, since: datetime) -> int:
        stmt = select(func.count()).where(
            runs.c.actor == actor, runs.c.kind == RunKind.AGENT.value, runs.c.created_at >= since
        )
        return int(await self.db.read(scalar(stmt)))

    async def stalled_runs(self, kind: RunKind, now: datetime) -> list[RunRecord]:
        """Active runs of this kind that nobody is driving right now (after a crash, or waiting for a retry)."""
        stmt = select(runs).where(
            runs.c.kind == kind.value,
            runs.c.status.in_([RunStatus.RUNNING.value, RunStatus.WAITING_APPROVAL.value]),
            or_(runs.c.turn_lease_until.is_(None), runs.c.turn_lease_until < now),
        )
        return [run_record(row) for row in await self._all(stmt)]

    # -- approvals -----------------------------------------------------------------------------------

    async def create_approval(self, approval: ApprovalRecord) -> None:
        await self.db.write(rowcount(insert(approvals).values(**approval_values(approval))))

    async def approval(self, approval_id: str) -> ApprovalRecord | None:
        return _maybe(approval_record, await self._one(select(approvals).where(approvals.c.id == approval_id)))

    async def set_approval_message(self, approval_id: str, message_ts: str) -> None:
        stmt = update(approvals).where(approvals.c.id == approval_id).values(message_ts=message_ts)
        await self.db.write(rowcount(stmt))

    async def add_decision(
        self, approval_id: str, user_id: str, decision: Decision, now: datetime, reason: str | None = None
    ) -> bool:
        """Record one user's decision; False if this user already decided on this approval."""
        ins = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(decisions)
        stmt = ins.values(
            approval_id=approval_id, user_id=user_id, decision=decision.value, reason=reason, created_at=now
        ).on_conflict_do_nothing(index_elements=["approval_id", "user_id"])
        return await self.db.write(rowcount(stmt)) == 1

    async def decisions_of(self, approval_id: str) -> list[DecisionRecord]:
        stmt = select(decisions).where(decisions.c.approval_id == approval_id).order_by(decisions.c.id)
        return [decision_record(row) for row in await self._all(stmt)]

    async def move_approval(self, approval_id: str, from_: ApprovalStatus, to: ApprovalStatus, now: datetime) -> bool:
        stmt = (
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.status == approval_move(from_, to).value)
            .values(status=to.value, decided_at=now)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def approval_for_step(self, step_id: str) -> ApprovalRecord | None:
        """The step's current approval request (an edit supersedes the earlier ones)."""
        stmt = (
            select(approvals)
            .where(approvals.c.step_id == step_id, approvals.c.status != ApprovalStatus.SUPERSEDED.value)
            .order_by(approvals.c.created_at.desc())
        )
        return _maybe(approval_record, await self._one(stmt.limit(1)))

    async def supersede(self, approval_id: str, new_id: str, now: datetime) -> bool:
        stmt = (
            update(approvals)
            .where(
                approvals.c.id == approval_id,
                approvals.c.status == approval_move(ApprovalStatus.PENDING, ApprovalStatus.SUPERSEDED).value,
            )
            .values(status=ApprovalStatus.SUPERSEDED.value, decided_at=now, superseded_by=new_id)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def pending_approvals(self, *, channel: str | None = None) -> list[ApprovalRecord]:
        stmt = select(approvals).where(approvals.c.status == ApprovalStatus.PENDING.value)
        if channel is not None:
            stmt = stmt.where(approvals.c.channel == channel)
        return [approval_record(row) for row in await self._all(stmt.order_by(approvals.c.created_at))]

    async def due_expiries(self, now: datetime) -> list[ApprovalRecord]:
        stmt = select(approvals).where(
            approvals.c.status == ApprovalStatus.PENDING.value, approvals.c.expires_at <= now
        )
        return [approval_record(row) for row in await self._all(stmt)]

    async def due_reminders(self, now: datetime) -> list[ApprovalRecord]:
        stmt = select(approvals).where(
            approvals.c.status == ApprovalStatus.PENDING.value,
            approvals.c.remind_at <= now,
            approvals.c.reminded_at.is_(None),
            approvals.c.expires_at > now,
        )
        return [approval_record(row) for row in await self._all(stmt)]

    async def claim_reminder(self, approval_id: str, now: datetime) -> bool:
        """Exactly one replica wins the right to post a reminder."""
        stmt = (
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def stale_executing(self, started_before: datetime) -> list[StepRecord]:
        stmt = select(steps).where(steps.c.status == StepStatus.EXECUTING.value, steps.c.started_at < started_before)
        return [step_record(row) for row in await self._all(stmt)]

    async def replace_step_args(self, step_id: str, args: dict[str, Any]) -> bool:
        """An edited request: new arguments, back to pending, only while it waits for approval."""
        (source,) = step_move([StepStatus.WAITING_APPROVAL], StepStatus.PENDING)
        stmt = (
            update(steps)
            .where(steps.c.id == step_id, steps.c.status == source.value)
            .values(args=args, status=StepStatus.PENDING.value)
        )
        return await self.db.write(rowcount(stmt)) == 1

    # -- helpers -------------------------------------------------------------------------------------

    async def _one(self, stmt: Any) -> Mapping[str, Any] | None:
        return await self.db.read(one(stmt))

    async def _all(self, stmt: Any) -> list[Mapping[str, Any]]:
        rows: list[dict[str, Any]] = await self.db.read(all_rows(stmt))
        return list(rows)


def _maybe(convert: Callable[[Mapping[str, Any]], R], row: Mapping[str, Any] | None) -> R | None:
    return None if row is None else convert(row)


def event_to_dict(event: Event) -> dict[str, Any]:
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
    )
