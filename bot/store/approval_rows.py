"""Approval requests and the decisions on them; an approving decision moves approval, step and run at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.engine import Connection

from bot.core.domain import (
    ApprovalCase,
    ApprovalRecord,
    ApprovalStatus,
    Decision,
    DecisionRecord,
    RunStatus,
    StepStatus,
)
from bot.core.transitions import approval_move, run_sources, step_move
from bot.store.database import rowcount
from bot.store.models import approvals, decisions, runs, steps
from bot.store.records import approval_record, approval_values, decision_record, run_record, step_record
from bot.store.table_rows import Rows, maybe


class ApprovalRows(Rows):
    async def create_approval(self, approval: ApprovalRecord) -> None:
        await self.db.write(rowcount(insert(approvals).values(**self._clean(approval_values(approval)))))

    async def approval(self, approval_id: str) -> ApprovalRecord | None:
        return maybe(approval_record, await self._one(select(approvals).where(approvals.c.id == approval_id)))

    async def set_approval_message(self, approval_id: str, message_ts: str) -> None:
        stmt = update(approvals).where(approvals.c.id == approval_id).values(message_ts=message_ts)
        await self.db.write(rowcount(stmt))

    async def add_decision(
        self,
        approval_id: str,
        user_id: str,
        decision: Decision,
        now: datetime,
        reason: str | None = None,
        *,
        external: bool = False,
    ) -> tuple[DecisionRecord, ...] | None:
        """Record one user's decision and return every decision on the approval, this one included, read in the
        same transaction (so two concurrent clicks cannot both miss the quorum); None if this user already decided."""
        stmt = (
            self._insert(decisions)
            .values(
                approval_id=approval_id, user_id=user_id, decision=decision.value, created_at=now, external=external
            )
            .values(**self._clean({"reason": reason}))
            .on_conflict_do_nothing(index_elements=["approval_id", "user_id"])
        )

        # Decisions on one approval queue behind its row lock (PostgreSQL; SQLite has one writer anyway), so the
        # last of several concurrent clicks sees all the others' decisions and the quorum is never missed.
        lock = select(approvals.c.id).where(approvals.c.id == approval_id).with_for_update()

        def op(conn: Connection) -> tuple[DecisionRecord, ...] | None:
            conn.execute(lock)
            if conn.execute(stmt).rowcount != 1:
                return None
            return tuple(decision_record(dict(r)) for r in conn.execute(_decisions_of(approval_id)).mappings())

        return await self.db.write(op)

    async def decisions_of(self, approval_id: str) -> list[DecisionRecord]:
        return [decision_record(dict(row)) for row in await self._all(_decisions_of(approval_id))]

    async def approval_case(self, approval_id: str) -> ApprovalCase | None:
        """The approval, its run, the run's steps and the decisions so far, in one transaction."""

        def op(conn: Connection) -> ApprovalCase | None:
            row = conn.execute(select(approvals).where(approvals.c.id == approval_id)).mappings().first()
            if row is None:
                return None
            approval = approval_record(dict(row))
            run_row = conn.execute(select(runs).where(runs.c.id == approval.run_id)).mappings().first()
            if run_row is None:
                return None
            run_steps = conn.execute(select(steps).where(steps.c.run_id == approval.run_id).order_by(steps.c.position))
            decided = conn.execute(_decisions_of(approval_id)).mappings()
            return ApprovalCase(
                approval=approval,
                run=run_record(dict(run_row)),
                steps=tuple(step_record(dict(r)) for r in run_steps.mappings()),
                decisions=tuple(decision_record(dict(r)) for r in decided),
            )

        case = await self.db.read(op)
        return case if case is None or any(s.id == case.approval.step_id for s in case.steps) else None

    async def approve_step(self, case: ApprovalCase, now: datetime) -> bool:
        """The approving decision, in one transaction: the approval pending → approved (compare-and-set; False if
        it was decided already, and then nothing changes), its step waiting → approved, the run → running."""
        approval, step_id, run_id = case.approval, case.approval.step_id, case.run.id
        decide = (
            update(approvals)
            .where(
                approvals.c.id == approval.id,
                approvals.c.status == approval_move(ApprovalStatus.PENDING, ApprovalStatus.APPROVED).value,
            )
            .values(status=ApprovalStatus.APPROVED.value, decided_at=now)
        )
        (waiting,) = step_move([StepStatus.WAITING_APPROVAL], StepStatus.APPROVED)
        step_stmt = (
            update(steps)
            .where(steps.c.id == step_id, steps.c.status == waiting.value)
            .values(status=StepStatus.APPROVED.value)
        )
        run_stmt = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.status.in_([s.value for s in run_sources(RunStatus.RUNNING)]))
            .values(status=RunStatus.RUNNING.value, updated_at=now)
        )

        def op(conn: Connection) -> bool:
            if conn.execute(decide).rowcount != 1:
                return False
            conn.execute(step_stmt)
            conn.execute(run_stmt)
            return True

        return await self.db.write(op)

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
        return maybe(approval_record, await self._one(stmt.limit(1)))

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
        return [approval_record(dict(row)) for row in await self._all(stmt.order_by(approvals.c.created_at))]

    async def due_expiries(self, now: datetime) -> list[ApprovalRecord]:
        stmt = select(approvals).where(
            approvals.c.status == ApprovalStatus.PENDING.value, approvals.c.expires_at <= now
        )
        return [approval_record(dict(row)) for row in await self._all(stmt)]

    async def due_reminders(self, now: datetime) -> list[ApprovalRecord]:
        stmt = select(approvals).where(
            approvals.c.status == ApprovalStatus.PENDING.value,
            approvals.c.remind_at <= now,
            approvals.c.reminded_at.is_(None),
            approvals.c.expires_at > now,
        )
        return [approval_record(dict(row)) for row in await self._all(stmt)]

    async def claim_reminder(self, approval_id: str, now: datetime) -> bool:
        """Exactly one replica wins the right to post a reminder."""
        stmt = (
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        return await self.db.write(rowcount(stmt)) == 1


def _decisions_of(approval_id: str) -> Select[Any]:
    return select(decisions).where(decisions.c.approval_id == approval_id).order_by(decisions.c.id)
