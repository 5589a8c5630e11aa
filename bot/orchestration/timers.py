"""Time-driven work: reminders, escalation and expiry of approvals, and recovery of cut-off steps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from bot.approvals.membership import describe_specs
from bot.core import delivery
from bot.core.delivery import Undeliverable
from bot.core.domain import ApprovalRecord
from bot.core.mrkdwn import date
from bot.orchestration.decisions import Decider
from bot.orchestration.recovery import Recovery

log = logging.getLogger(__name__)


class Timers:
    """Each due item (a reminder, an expiry, the recovery sweep, each periodic job) runs as its own task, keyed so
    that one still running (its message held up by Slack's 429s or 5xx) is not started twice, and so that nothing
    waits behind it: an expiry is decided on time while an earlier reminder is still being delivered. Its messages
    are keyed under the item (`timer:expire:<id>` …), so a pass that runs it again sends nothing twice."""

    def __init__(
        self, *, decider: Decider, recovery: Recovery, periodic: Sequence[Callable[[], Awaitable[None]]] = ()
    ) -> None:
        self.decider = decider
        self.recovery = recovery
        self.repo = decider.repo
        self._task: asyncio.Task[None] | None = None
        self._running: dict[str, asyncio.Task[None]] = {}
        self.periodic = tuple(periodic)  # more periodic work (runs a crash left between turns, retries due)

    async def tick(self) -> None:
        """One pass, waiting for all of it; safe to run on every replica at once (each change is a compare-and-set).
        The loop (`start`) does not wait: it starts a pass every interval."""
        await asyncio.gather(*await self._launch())

    async def _launch(self) -> list[asyncio.Task[None]]:
        now = self.decider.clock.now()
        started: list[asyncio.Task[None]] = []
        for approval in await self.repo.due_reminders(now):
            started += self._spawn(f"remind:{approval.id}:{approval.remind_at}", self._remind_once, approval, now)
        for approval in await self.repo.due_expiries(now):
            started += self._spawn(f"expire:{approval.id}", self._expire, approval)
        started += self._spawn("recovery", self.recovery.sweep)
        for n, work in enumerate(self.periodic):
            started += self._spawn(f"periodic:{n}", work)
        return started

    def _spawn(self, name: str, work: Callable[..., Awaitable[object]], *args: Any) -> list[asyncio.Task[None]]:
        if name in self._running:  # still at it (a message held up by Slack): not twice
            return []

        async def run() -> None:
            with delivery.scope(f"timer:{name}"):
                try:
                    await work(*args)
                except Undeliverable as exc:  # dead-lettered, counted and audited already
                    log.warning("timer work %s: a message was not delivered: %s", name, exc.reason)
                except Exception:
                    log.exception("timer work %s failed", name)

        task = asyncio.create_task(run(), name=f"opsbot-timer-{name}")
        self._running[name] = task
        task.add_done_callback(lambda _: self._running.pop(name, None))
        return [task]

    async def _remind_once(self, approval: ApprovalRecord, now: datetime) -> None:
        if await self.repo.claim_reminder(approval.id, now):
            await self._remind(approval)

    async def _expire(self, approval: ApprovalRecord) -> None:
        if await self.decider.expire(approval):
            await self._say(approval, "⌛ This request expired before enough people approved it; nothing was run.")

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
        tasks = [*([self._task] if self._task is not None else []), *self._running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _forever(self, interval: float) -> None:
        while True:
            try:
                await self._launch()
            except Exception:
                log.exception("timer pass failed")
            await asyncio.sleep(interval)
