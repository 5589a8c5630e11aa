"""In-memory fakes of the core's ports (bot.core.ports): the orchestration's unit tests run on these, no database, no
Slack. The store keeps the real semantics that matter: compare-and-set moves checked by the transition table,
one decision per person, the thread set once."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.domain import (
    ApprovalCase,
    ApprovalRecord,
    ApprovalStatus,
    Decision,
    DecisionRecord,
    RunKind,
    RunRecord,
    RunStatus,
    StepRecord,
    StepStatus,
)
from bot.core.transitions import approval_move, run_sources, step_move


def _cut_off(step: StepRecord, started_before: datetime, beat_before: datetime) -> bool:
    if step.status is not StepStatus.EXECUTING:
        return False
    if step.heartbeat_at is not None:
        return step.heartbeat_at < beat_before
    return step.started_at is not None and step.started_at < started_before


class MemoryStore:
    """Implements bot.core.ports.Store over dicts."""

    def __init__(self) -> None:
        self.runs: dict[str, RunRecord] = {}
        self.steps: dict[str, StepRecord] = {}
        self.approvals: dict[str, ApprovalRecord] = {}
        self.decisions: list[DecisionRecord] = []
        self.locks: dict[tuple[str, str], str] = {}
        self.leases: dict[str, datetime] = {}
        self.inbox_runs: dict[int, str] = {}
        self.trace: list[str] = []  # the round trips, by method name, as a database would count them

    @property
    def calls(self) -> int:
        return len(self.trace)

    def _count(self) -> None:
        self.trace.append(sys._getframe(1).f_code.co_name)

    async def create_run(self, run: RunRecord, run_steps: Sequence[StepRecord]) -> None:
        self._count()
        self.runs[run.id] = run
        if run.inbox_id is not None:
            self.inbox_runs[run.inbox_id] = run.id
        self.steps.update({s.id: s for s in run_steps})

    async def run(self, run_id: str) -> RunRecord | None:
        self._count()
        return self.runs.get(run_id)

    async def run_for_inbox(self, inbox_id: int) -> RunRecord | None:
        self._count()
        return self.runs.get(self.inbox_runs.get(inbox_id, ""))

    async def step(self, step_id: str) -> StepRecord | None:
        self._count()
        return self.steps.get(step_id)

    async def steps_of(self, run_id: str) -> list[StepRecord]:
        self._count()
        return sorted((s for s in self.steps.values() if s.run_id == run_id), key=lambda s: s.position)

    async def steps_in(self, statuses: Iterable[StepStatus]) -> list[StepRecord]:
        self._count()
        wanted = set(statuses)
        return [s for s in self.steps.values() if s.status in wanted]

    async def move_step(self, step_id: str, from_: Iterable[StepStatus], to: StepStatus, **values: Any) -> bool:
        sources = step_move(from_, to)
        self._count()
        step = self.steps.get(step_id)
        if step is None or step.status not in sources:
            return False
        self.steps[step_id] = replace(step, status=to, **values)
        return True

    async def move_run(self, run_id: str, to: RunStatus, now: datetime) -> bool:
        self._count()
        run = self.runs.get(run_id)
        if run is None or run.status not in run_sources(to):
            return False
        self.runs[run_id] = replace(run, status=to, updated_at=now)
        return True

    async def set_run_thread(self, run_id: str, thread_ts: str) -> None:
        self._count()
        run = self.runs[run_id]
        if run.thread_ts is None:
            self.runs[run_id] = replace(run, thread_ts=thread_ts)

    async def lock_thread(self, channel: str, thread_ts: str, run_id: str, now: datetime) -> bool:
        self._count()
        return self.locks.setdefault((channel, thread_ts), run_id) == run_id

    async def unlock_thread(self, channel: str, thread_ts: str, run_id: str) -> bool:
        self._count()
        if self.locks.get((channel, thread_ts)) != run_id:
            return False
        del self.locks[(channel, thread_ts)]
        return True

    async def next_queued(self, channel: str, thread_ts: str) -> RunRecord | None:
        self._count()
        queued = [
            r
            for r in self.runs.values()
            if (r.channel, r.thread_ts, r.status) == (channel, thread_ts, RunStatus.QUEUED)
        ]
        return min(queued, key=lambda r: (r.created_at, r.id), default=None)

    async def claim_turn(self, run_id: str, now: datetime, until: datetime) -> bool:
        self._count()
        if self.leases.get(run_id, now) > now:
            return False
        self.leases[run_id] = until
        return True

    async def save_turn(
        self, run_id: str, state: Mapping[str, Any], new_steps: Sequence[StepRecord], now: datetime
    ) -> None:
        self._count()
        self.runs[run_id] = replace(self.runs[run_id], state=dict(state), updated_at=now)
        self.leases.pop(run_id, None)
        self.steps.update({s.id: s for s in new_steps})

    async def release_turn(self, run_id: str) -> None:
        self._count()
        self.leases.pop(run_id, None)

    async def agent_runs_since(self, actor: str, since: datetime) -> int:
        self._count()
        return sum(
            1 for r in self.runs.values() if r.actor == actor and r.kind is RunKind.AGENT and r.created_at >= since
        )

    async def recent_runs(self, *, source: str, actor: str, limit: int) -> list[RunRecord]:
        self._count()
        mine = [r for r in self.runs.values() if r.source == source and r.actor == actor]
        return sorted(mine, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]

    async def stalled_runs(self, kind: RunKind, now: datetime) -> list[RunRecord]:
        self._count()
        active = (RunStatus.RUNNING, RunStatus.WAITING_APPROVAL)
        return [
            r for r in self.runs.values() if r.kind is kind and r.status in active and self.leases.get(r.id, now) <= now
        ]

    async def create_approval(self, approval: ApprovalRecord) -> None:
        self._count()
        self.approvals[approval.id] = approval

    async def approval(self, approval_id: str) -> ApprovalRecord | None:
        self._count()
        return self.approvals.get(approval_id)

    async def set_approval_message(self, approval_id: str, message_ts: str) -> None:
        self._count()
        self.approvals[approval_id] = replace(self.approvals[approval_id], message_ts=message_ts)

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
        self._count()
        if any(d.approval_id == approval_id and d.user_id == user_id for d in self.decisions):
            return None
        record = DecisionRecord(
            approval_id=approval_id, user_id=user_id, decision=decision, created_at=now, reason=reason,
            external=external,
        )  # fmt: skip
        self.decisions.append(record)
        return tuple(self._decisions(approval_id))

    async def decisions_of(self, approval_id: str) -> list[DecisionRecord]:
        self._count()
        return self._decisions(approval_id)

    def _decisions(self, approval_id: str) -> list[DecisionRecord]:
        return [d for d in self.decisions if d.approval_id == approval_id]

    async def approval_case(self, approval_id: str) -> ApprovalCase | None:
        self._count()
        approval = self.approvals.get(approval_id)
        run = self.runs.get(approval.run_id) if approval else None
        if approval is None or run is None or approval.step_id not in self.steps:
            return None
        steps = sorted((s for s in self.steps.values() if s.run_id == run.id), key=lambda s: s.position)
        return ApprovalCase(
            approval=approval, run=run, steps=tuple(steps), decisions=tuple(self._decisions(approval_id))
        )

    async def approve_step(self, case: ApprovalCase, now: datetime) -> bool:
        self._count()
        approval = self.approvals.get(case.approval.id)
        if approval is None or approval.status is not approval_move(ApprovalStatus.PENDING, ApprovalStatus.APPROVED):
            return False
        self.approvals[approval.id] = replace(approval, status=ApprovalStatus.APPROVED, decided_at=now)
        step = self.steps[approval.step_id]
        if step.status in step_move([StepStatus.WAITING_APPROVAL], StepStatus.APPROVED):
            self.steps[step.id] = replace(step, status=StepStatus.APPROVED)
        run = self.runs[approval.run_id]
        if run.status in run_sources(RunStatus.RUNNING):
            self.runs[run.id] = replace(run, status=RunStatus.RUNNING, updated_at=now)
        return True

    async def move_approval(self, approval_id: str, from_: ApprovalStatus, to: ApprovalStatus, now: datetime) -> bool:
        source = approval_move(from_, to)
        self._count()
        approval = self.approvals.get(approval_id)
        if approval is None or approval.status is not source:
            return False
        self.approvals[approval_id] = replace(approval, status=to, decided_at=now)
        return True

    async def approval_for_step(self, step_id: str) -> ApprovalRecord | None:
        self._count()
        current = [
            a for a in self.approvals.values() if a.step_id == step_id and a.status is not ApprovalStatus.SUPERSEDED
        ]
        return max(current, key=lambda a: a.created_at, default=None)

    async def supersede(self, approval_id: str, new_id: str, now: datetime) -> bool:
        if not await self.move_approval(approval_id, ApprovalStatus.PENDING, ApprovalStatus.SUPERSEDED, now):
            return False
        self.approvals[approval_id] = replace(self.approvals[approval_id], superseded_by=new_id)
        return True

    async def pending_approvals(self, *, channel: str | None = None) -> list[ApprovalRecord]:
        self._count()
        return [
            a
            for a in self.approvals.values()
            if a.status is ApprovalStatus.PENDING and (channel is None or a.channel == channel)
        ]

    async def due_expiries(self, now: datetime) -> list[ApprovalRecord]:
        return [a for a in await self.pending_approvals() if a.expires_at <= now]

    async def due_reminders(self, now: datetime) -> list[ApprovalRecord]:
        return [
            a
            for a in await self.pending_approvals()
            if a.remind_at is not None and a.remind_at <= now and a.reminded_at is None and a.expires_at > now
        ]

    async def claim_reminder(self, approval_id: str, now: datetime) -> bool:
        self._count()
        approval = self.approvals[approval_id]
        if approval.reminded_at is not None:
            return False
        self.approvals[approval_id] = replace(approval, reminded_at=now)
        return True

    async def stale_executing(self, started_before: datetime, beat_before: datetime) -> list[StepRecord]:
        self._count()
        return [s for s in self.steps.values() if _cut_off(s, started_before, beat_before)]

    async def take_stale_step(
        self, step_id: str, worker: str, now: datetime, cut_off: tuple[datetime, datetime]
    ) -> bool:
        self._count()
        step = self.steps.get(step_id)
        if step is None or not _cut_off(step, *cut_off):
            return False
        self.steps[step_id] = replace(step, claimed_by=worker, heartbeat_at=now)
        return True

    async def replace_step_args(self, step_id: str, args: dict[str, Any]) -> bool:
        if not await self.move_step(step_id, [StepStatus.WAITING_APPROVAL], StepStatus.PENDING):
            return False
        self.steps[step_id] = replace(self.steps[step_id], args=args)
        return True


@dataclass
class MemoryAudit:
    """Implements bot.core.ports.Audit: the rows, in order."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    async def append(
        self, kind: str, *, at: datetime, run_id: str | None = None, actor: str | None = None, **data: Any
    ) -> None:
        self.rows.append({"kind": kind, "at": at, "run_id": run_id, "actor": actor, **data})

    def kinds(self) -> list[str]:
        return [r["kind"] for r in self.rows]


@dataclass
class MemoryChat:
    """Implements bot.core.ports.Chat: every post, update, ephemeral and modal, with made-up timestamps."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    modals: list[dict[str, Any]] = field(default_factory=list)

    async def post(
        self, channel: str, text: str, blocks: Sequence[dict[str, Any]], *, thread_ts: str | None = None
    ) -> str:
        ts = f"1700000000.{len(self.posts) + 1:06d}"
        self.posts.append({"channel": channel, "text": text, "blocks": list(blocks), "thread_ts": thread_ts, "ts": ts})
        return ts

    async def update(self, channel: str, ts: str, text: str, blocks: Sequence[dict[str, Any]]) -> None:
        self.updates.append({"channel": channel, "ts": ts, "text": text, "blocks": list(blocks)})

    async def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[dict[str, Any]] = (),
        *,
        thread_ts: str | None = None,
        response_url: str | None = None,
    ) -> None:
        self.ephemerals.append(
            {"channel": channel, "user": user, "text": text, "thread_ts": thread_ts, "response_url": response_url}
        )

    async def reveal(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[dict[str, Any]],
        *,
        secret: str,
        response_url: str | None = None,
    ) -> bool:
        """Shown as an ephemeral (the secret itself is not kept)."""
        self.ephemerals.append(
            {"channel": channel, "user": user, "text": text, "thread_ts": None, "response_url": response_url}
        )
        return True

    async def message_text(self, channel: str, ts: str) -> str | None:
        return next((p["text"] for p in self.posts if p["ts"] == ts), None)

    async def permalink(self, channel: str, ts: str) -> str | None:
        return f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    async def open_modal(self, trigger_id: str, view: dict[str, Any]) -> bool:
        self.modals.append({"trigger_id": trigger_id, "view": view})
        return True


@dataclass
class MemoryDirectory:
    """Implements bot.core.ports.Directory: channel members and user groups from dicts."""

    channels: dict[str, frozenset[str]] = field(default_factory=dict)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)  # id → handle

    async def group_members(self, group: str) -> frozenset[str]:
        return self.groups.get(group, frozenset())

    async def channel_members(self, channel: str) -> frozenset[str]:
        return self.channels.get(channel, frozenset())

    async def channel_name(self, channel: str) -> str | None:
        return None

    async def user_id(self, handle: str) -> str | None:
        return next((user for user, name in self.people.items() if name == handle.lower()), None)

    async def user_name(self, user: str) -> str | None:
        return self.people.get(user)
