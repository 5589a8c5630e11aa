"""Approve and Reject clicks: re-authorize every click, count distinct approvers, move state by CAS."""

from __future__ import annotations

from typing import Any

from bot.approvals import Click, Refusal, action_hash, check_click
from bot.clock import Clock
from bot.domain import ApprovalStatus, Decision, RunStatus, StepStatus
from bot.ports import Chat
from bot.runner import Runner
from bot.store.audit import AuditLog
from bot.store.repository import Repository


class Decider:
    def __init__(
        self, *, repo: Repository, audit: AuditLog, runner: Runner, chat: Chat, clock: Clock
    ) -> None:
        self.repo = repo
        self.audit = audit
        self.runner = runner
        self.chat = chat
        self.clock = clock

    async def decide(self, click: Click) -> None:
        approval = await self.repo.approval(click.approval_id)
        step = await self.repo.step(approval["step_id"]) if approval else None
        run = await self.repo.run(approval["run_id"]) if approval else None
        current = None
        if step is not None and run is not None:
            current = action_hash(
                tool=step["tool"], args=step["args"], requester=run["actor"], team_id=run["team_id"]
            )
        now = self.clock.now()
        refusal = check_click(click, approval, current_hash=current, now=now)
        if refusal is not None or approval is None or run is None:
            await self._refuse(
                click, refusal or Refusal(reason="That request is gone.", audit_kind="click.unknown")
            )
            if refusal is not None and refusal.audit_kind == "click.expired" and approval is not None:
                await self._expire(approval)
            return
        if click.decision is Decision.REJECT:
            await self._reject(click, approval, run)
        else:
            await self._approve(click, approval, run)

    async def _approve(self, click: Click, approval: dict[str, Any], run: dict[str, Any]) -> None:
        now = self.clock.now()
        if not await self.repo.add_decision(approval["id"], click.user, Decision.APPROVE, now):
            await self._refuse(
                click, Refusal(reason="You already approved this.", audit_kind="click.duplicate")
            )
            return
        await self.audit.append(
            "approval.decision", at=now, run_id=run["id"], actor=click.user, decision="approve"
        )
        count = await self.repo.count_decisions(approval["id"], Decision.APPROVE)
        if count < approval["required"]:
            await self.runner.cards.refresh(approval["id"])
            return
        if not await self.repo.move_approval(
            approval["id"], ApprovalStatus.PENDING, ApprovalStatus.APPROVED, now
        ):
            await self._refuse(
                click, Refusal(reason="This request was already decided.", audit_kind="click.decided")
            )
            return
        await self.repo.move_step(approval["step_id"], [StepStatus.WAITING_APPROVAL], StepStatus.APPROVED)
        await self.repo.set_run_status(run["id"], RunStatus.RUNNING.value, now)
        await self.audit.append(
            "approval.approved", at=now, run_id=run["id"], actor=click.user, approval=approval["id"]
        )
        await self.runner.cards.refresh(approval["id"], status="executing")
        await self.runner.advance(run["id"])

    async def _reject(self, click: Click, approval: dict[str, Any], run: dict[str, Any]) -> None:
        now = self.clock.now()
        if not await self.repo.move_approval(
            approval["id"], ApprovalStatus.PENDING, ApprovalStatus.REJECTED, now
        ):
            await self._refuse(
                click, Refusal(reason="This request was already decided.", audit_kind="click.decided")
            )
            return
        await self.repo.add_decision(approval["id"], click.user, Decision.REJECT, now)
        await self.repo.move_step(
            approval["step_id"], [StepStatus.WAITING_APPROVAL], StepStatus.REJECTED, finished_at=now
        )
        await self.repo.set_run_status(run["id"], RunStatus.REJECTED.value, now)
        await self.audit.append(
            "approval.rejected", at=now, run_id=run["id"], actor=click.user, approval=approval["id"]
        )
        await self.runner.cards.refresh(approval["id"])

    async def _expire(self, approval: dict[str, Any]) -> None:
        now = self.clock.now()
        if await self.repo.move_approval(approval["id"], ApprovalStatus.PENDING, ApprovalStatus.EXPIRED, now):
            await self.repo.move_step(
                approval["step_id"], [StepStatus.WAITING_APPROVAL], StepStatus.FAILED, finished_at=now
            )
            await self.repo.set_run_status(approval["run_id"], RunStatus.FAILED.value, now)
            await self.audit.append(
                "approval.expired", at=now, run_id=approval["run_id"], approval=approval["id"]
            )
            await self.runner.cards.refresh(approval["id"])

    async def _refuse(self, click: Click, refusal: Refusal) -> None:
        approval = await self.repo.approval(click.approval_id)
        await self.audit.append(
            refusal.audit_kind,
            at=self.clock.now(),
            run_id=approval["run_id"] if approval else None,
            actor=click.user,
            approval=click.approval_id,
            reason=refusal.reason,
        )
        if click.channel:
            thread = approval["thread_ts"] if approval else None
            await self.chat.ephemeral(click.channel, click.user, refusal.reason, thread_ts=thread)
