"""Steps cut off mid-call: reads are retried; risky steps become `unknown` and a human decides."""

from __future__ import annotations

from bot.approvals.click_checks import Click, Purpose, Refusal
from bot.core.domain import Event, RunStatus, StepStatus
from bot.core.mrkdwn import mention
from bot.core.tool_registry import Risk
from bot.orchestration.decisions import Decider


class Recovery:
    def __init__(self, *, decider: Decider) -> None:
        self.decider = decider
        self.repo = decider.repo
        self.runner = decider.runner

    async def sweep(self) -> int:
        """Steps `executing` for longer than the execution timeout were cut off by a crash."""
        now = self.decider.clock.now()
        stale = await self.repo.stale_executing(now - self.runner.config.execution_timeout)
        for step in stale:
            run = await self.repo.run(step.run_id)
            if run is None:
                continue
            if not Risk(step.risk).needs_approval:
                if await self.repo.move_step(step.id, [StepStatus.EXECUTING], StepStatus.PENDING):
                    await self.runner.advance(run.id)  # a read can safely run again
                continue
            await self.runner.mark_unknown(run, step, "I was interrupted while running it.")
        return len(stale)

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
