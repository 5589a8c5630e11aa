"""Time-driven work: reminders, escalation and expiry of approvals, and recovery of cut-off steps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.approvals.membership import describe_specs
from bot.core.domain import ApprovalRecord
from bot.core.mrkdwn import date
from bot.orchestration.decisions import Decider
from bot.orchestration.recovery import Recovery

log = logging.getLogger(__name__)


class Timers:
    def __init__(
        self, *, decider: Decider, recovery: Recovery, periodic: Sequence[Callable[[], Awaitable[None]]] = ()
    ) -> None:
        self.decider = decider
        self.recovery = recovery
        self.repo = decider.repo
        self._task: asyncio.Task[None] | None = None
        self.periodic = tuple(periodic)  # more periodic work (runs a crash left between turns, retries due)

    async def tick(self) -> None:
        """One pass; safe to run on every replica at once (each change is a compare-and-set)."""
        now = self.decider.clock.now()
        for approval in await self.repo.due_reminders(now):
            if await self.repo.claim_reminder(approval.id, now):
                await self._remind(approval)
        for approval in await self.repo.due_expiries(now):
            if await self.decider.expire(approval):
                await self._say(approval, "⌛ This request expired before enough people approved it; nothing was run.")
        await self.recovery.sweep()
        for work in self.periodic:
            await work()

    async def _remind(self, approval: ApprovalRecord) -> None:
        ts = int(approval.expires_at.timestamp())
        who = describe_specs(approval.approvers)
        text = f"⏰ Still waiting for approval from {who}; it expires {date(ts, '{time}', 'soon')}."
        escalate = list(approval.escalate_to)
        if escalate:
            text += f" Escalating to {describe_specs(escalate)}."
        await self.decider.audit.append(
            "approval.reminded",
            at=self.decider.clock.now(),
            run_id=approval.run_id,
            approval=approval.id,
            escalated_to=escalate,
        )
        await self._say(approval, text)

    async def _say(self, approval: ApprovalRecord, text: str) -> None:
        if approval.channel:
            blocks = self.decider.messages.note(text, f"Request `{approval.id[:8]}`")
            await self.decider.chat.post(approval.channel, text, blocks, thread_ts=approval.thread_ts)

    def start(self, interval: float = 30.0) -> None:
        self._task = asyncio.create_task(self._forever(interval), name="opsbot-timers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _forever(self, interval: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("timer pass failed")
            await asyncio.sleep(interval)
