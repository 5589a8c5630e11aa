"""Steps cut off mid-call: reads are retried; risky steps become `unknown` and a human decides.

A step is cut off when the process executing it stopped renewing its heartbeat (`heartbeat_timeout`, three missed
beats): it crashed, hung, or was stopped. A row from before heartbeats keeps the old rule (`execution_timeout`)."""

from __future__ import annotations

from datetime import datetime

from bot.approvals.click_checks import Click, Purpose, Refusal
from bot.core.domain import Event, RunRecord, RunStatus, StepRecord, StepStatus
from bot.core.mrkdwn import mention
from bot.core.tool_registry import Risk
from bot.orchestration.decisions import Decider


class Recovery:
    def __init__(self, *, decider: Decider) -> None:
        self.decider = decider
        self.repo = decider.repo
        self.runner = decider.runner

    async def sweep(self) -> int:
        """Every step cut off mid-call, whichever process ran it (safe on every replica at once: each move is a
        compare-and-set). Returns how many were found."""
        now = self.decider.clock.now()
        stale = await self.repo.stale_executing(*self._cut_off_at(now))
        for step in stale:
            run = await self.repo.run(step.run_id)
            if run is not None and await self._take_over(run, step, now):
                await self.runner.advance(run.id)
        return len(stale)

    async def take_up(self, run_id: str) -> None:
        """A run whose event is handled again (its worker's lease ran out, or it gave the event back): a step of it
        cut off mid-call is taken over first (a read runs again, a risky step becomes `unknown`), then the run goes
        on. A step whose executor is still heartbeating is left to it: it answers when the call ends."""
        run = await self.repo.run(run_id)
        if run is None:
            return
        now = self.decider.clock.now()
        for step in await self.repo.steps_of(run_id):
            if step.status is StepStatus.EXECUTING:
                await self._take_over(run, step, now)  # only if it was cut off
        await self.runner.advance(run_id)

    def _cut_off_at(self, now: datetime) -> tuple[datetime, datetime]:
        """An executing step started before the first (a row without a heartbeat) or last beating before the second
        was cut off."""
        config = self.runner.config
        return now - config.execution_timeout, now - config.heartbeat_timeout

    async def _take_over(self, run: RunRecord, step: StepRecord, now: datetime) -> bool:
        """If the step is still cut off, claim it (one recovery wins), then: a read goes back to pending (True: the
        run should go on, to run it again); a risky step, whose call may have reached the service, becomes
        `unknown` with its Mark done / Retry card."""
        claims = self.runner.config.claims
        worker = claims.name if claims is not None else "recovery"
        if not await self.repo.take_stale_step(step.id, worker, now, self._cut_off_at(now)):
            return False  # its executor is alive (or another recovery has it)
        if not Risk(step.risk).needs_approval:
            return await self.repo.move_step(step.id, [StepStatus.EXECUTING], StepStatus.PENDING)
        await self.runner.mark_unknown(run, step, "I was interrupted while running it.")
        return False

    async def resolve(self, event: Event, purpose: Purpose, *, step_id: str) -> None:
        """**Retry** / **Mark done** on a step whose outcome is unknown, authorized like any approval click."""
        approval = await self.repo.approval_for_step(step_id)
        click = Click(
            approval_id=approval.id if approval else "",
            user=event.actor,
            team_id=event.team_id,
            channel=event.channel,
            purpose=purpose,
            enterprise_id=event.enterprise_id,
            user_team_id=event.user_team_id,
        )
        if approval is None:
            await self._refuse(click, "This step is no longer waiting for a human.")
            return
        case = await self.decider.authorize(click)
        if case is None:
            return
        step = case.step  # authorize found it `unknown`
        now = self.decider.clock.now()
        if purpose is Purpose.RETRY:
            if not await self.repo.move_step(step_id, [StepStatus.UNKNOWN], StepStatus.APPROVED):
                await self._refuse(click, "Someone already decided about this step.")
                return
            await self.decider.audit.append("step.retry", at=now, run_id=step.run_id, actor=click.user, step=step_id)
            await self.repo.move_run(step.run_id, RunStatus.RUNNING, now)
            await self.runner.advance(step.run_id)
            return
        data = {"text": "Marked done by a person.", "marked_done_by": click.user}
        if not await self.repo.move_step(step_id, [StepStatus.UNKNOWN], StepStatus.SUCCEEDED, result=data):
            await self._refuse(click, "Someone already decided about this step.")
            return
        await self.decider.audit.append("step.marked_done", at=now, run_id=step.run_id, actor=click.user, step=step_id)
        await self.runner.post(case.run, f"{mention(click.user)} marked `{step.tool}` as done.", [])
        await self.runner.advance(step.run_id)

    async def _refuse(self, click: Click, reason: str) -> None:
        await self.decider.refuse(click, Refusal(reason=reason, audit_kind="unknown.refused"))
