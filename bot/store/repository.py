"""All SQL lives in this package: small Core statements, each one transaction; state changes are compare-and-set.
The repository is its parts — the inbox (bot.store.inbox_rows), approvals (bot.store.approval_rows) and, here,
runs, steps and the agent's thread locks. `Repository(engine, secrets)`: every value it writes is scrubbed of
those secrets and of token shapes first (bot.store.table_rows), so no step result, run state, inbox payload,
preview or reason holds one, whatever an upstream error echoed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.core.domain import RunKind, RunRecord, RunStatus, StepRecord, StepStatus
from bot.core.jsonvalue import JsonObject
from bot.core.transitions import run_sources, step_move
from bot.store.approval_rows import ApprovalRows
from bot.store.database import rowcount, scalar
from bot.store.inbox_rows import InboxRows
from bot.store.models import runs, steps, thread_locks
from bot.store.records import run_record, run_values, step_record, step_values
from bot.store.table_rows import maybe


def _cut_off(started_before: datetime, beat_before: datetime) -> ColumnElement[bool]:
    beaten_before = or_(
        and_(steps.c.heartbeat_at.is_(None), steps.c.started_at < started_before), steps.c.heartbeat_at < beat_before
    )
    return and_(steps.c.status == StepStatus.EXECUTING.value, beaten_before)


class Repository(InboxRows, ApprovalRows):
    # -- runs and steps ------------------------------------------------------------------------------

    async def create_run(self, run: RunRecord, run_steps: Sequence[StepRecord]) -> None:
        def op(conn: Connection) -> None:
            conn.execute(insert(runs).values(**self._clean(run_values(run))))
            if run_steps:
                conn.execute(insert(steps), [self._clean(step_values(s)) for s in run_steps])

        await self.db.write(op)

    async def run(self, run_id: str) -> RunRecord | None:
        return maybe(run_record, await self._one(select(runs).where(runs.c.id == run_id)))

    async def run_for_inbox(self, inbox_id: int) -> RunRecord | None:
        return maybe(run_record, await self._one(select(runs).where(runs.c.inbox_id == inbox_id)))

    async def step(self, step_id: str) -> StepRecord | None:
        return maybe(step_record, await self._one(select(steps).where(steps.c.id == step_id)))

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
            .values(status=to.value, **self._clean(values))
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
        stmt = self._insert(thread_locks).values(channel=channel, thread_ts=thread_ts, run_id=run_id, acquired_at=now)
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
        return maybe(run_record, await self._one(stmt))

    async def claim_turn(self, run_id: str, now: datetime, until: datetime) -> bool:
        """Only one worker talks to the model for a run at a time; a lease, so a crash does not block it."""
        free = or_(runs.c.turn_lease_until.is_(None), runs.c.turn_lease_until < now)
        stmt = update(runs).where(runs.c.id == run_id, free).values(turn_lease_until=until)
        return await self.db.write(rowcount(stmt)) == 1

    async def save_turn(
        self, run_id: str, state: Mapping[str, Any], new_steps: Sequence[StepRecord], now: datetime
    ) -> None:
        """Persist a model answer and its tool calls together, so a restart never asks the model again."""

        stored = self._clean({"state": dict(state)})

        def op(conn: Connection) -> None:
            conn.execute(
                update(runs).where(runs.c.id == run_id).values(**stored, turn_lease_until=None, updated_at=now)
            )
            if new_steps:
                conn.execute(insert(steps), [self._clean(step_values(s)) for s in new_steps])

        await self.db.write(op)

    async def release_turn(self, run_id: str) -> None:
        await self.db.write(rowcount(update(runs).where(runs.c.id == run_id).values(turn_lease_until=None)))

    async def agent_runs_since(self, actor: str, since: datetime) -> int:
        stmt = select(func.count()).where(
            runs.c.actor == actor, runs.c.kind == RunKind.AGENT.value, runs.c.created_at >= since
        )
        return int(await self.db.read(scalar(stmt)))

    async def recent_runs(self, *, source: str, actor: str, limit: int) -> list[RunRecord]:
        """This person's newest runs from one source (an agent's requests over MCP), newest first."""
        stmt = (
            select(runs).where(runs.c.source == source, runs.c.actor == actor)
            .order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit)
        )  # fmt: skip
        return [run_record(row) for row in await self._all(stmt)]

    async def stalled_runs(self, kind: RunKind, now: datetime) -> list[RunRecord]:
        """Active runs of this kind that nobody is driving right now (after a crash, or waiting for a retry)."""
        stmt = select(runs).where(
            runs.c.kind == kind.value,
            runs.c.status.in_([RunStatus.RUNNING.value, RunStatus.WAITING_APPROVAL.value]),
            or_(runs.c.turn_lease_until.is_(None), runs.c.turn_lease_until < now),
        )
        return [run_record(row) for row in await self._all(stmt)]

    # -- executions ---------------------------------------------------------------------------------

    async def stale_executing(self, started_before: datetime, beat_before: datetime) -> list[StepRecord]:
        """Steps `executing` whose executor is gone: its heartbeat is older than `beat_before`, or (a row from before
        heartbeats) it started before `started_before`."""
        return [step_record(row) for row in await self._all(select(steps).where(_cut_off(started_before, beat_before)))]

    async def take_stale_step(
        self, step_id: str, worker: str, now: datetime, cut_off: tuple[datetime, datetime]
    ) -> bool:
        """Claim a step cut off mid-call (`cut_off`: as `stale_executing`'s arguments), to take it over: True for the
        one recovery that got it; a step whose heartbeat came back, or that another recovery took, is left."""
        stmt = (
            update(steps).where(steps.c.id == step_id, _cut_off(*cut_off)).values(claimed_by=worker, heartbeat_at=now)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def replace_step_args(self, step_id: str, args: JsonObject) -> bool:
        """An edited request: new arguments, back to pending, only while it waits for approval."""
        (source,) = step_move([StepStatus.WAITING_APPROVAL], StepStatus.PENDING)
        stmt = (
            update(steps)
            .where(steps.c.id == step_id, steps.c.status == source.value)
            .values(**self._clean({"args": args}), status=StepStatus.PENDING.value)
        )
        return await self.db.write(rowcount(stmt)) == 1
