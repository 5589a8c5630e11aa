"""Every click and modal on an approval card is authorized here; Approve and Reject move state by compare-and-set."""

from __future__ import annotations

from dataclasses import replace

from bot.approvals.click_checks import Click, Refusal, action_hash, check_click, needs_membership, quorum_met
from bot.approvals.membership import LookupFailed, Membership, describe_specs
from bot.core import metrics
from bot.core.clock import Clock
from bot.core.domain import ApprovalCase, ApprovalRecord, ApprovalStatus, Decision, RunStatus, StepStatus
from bot.core.installation import Installation, InstallationSource
from bot.core.mrkdwn import mention
from bot.core.ports import Audit, Chat, Messages, Store
from bot.orchestration.cards import Cards
from bot.orchestration.declines import Declines
from bot.orchestration.runner import Runner


class Decider:
    def __init__(
        self,
        *,
        repo: Store,
        audit: Audit,
        runner: Runner,
        cards: Cards,
        messages: Messages,
        chat: Chat,
        clock: Clock,
        membership: Membership,
        installation: InstallationSource | None = None,
        declines: Declines | None = None,
    ) -> None:
        self.repo = repo
        self.audit = audit
        self.runner = runner
        self.cards = cards
        self.messages = messages
        self.chat = chat
        self.clock = clock
        self.membership = membership
        self.installation = installation  # this workspace and enterprise (None: only the card's team is compared)
        self.declines = declines  # tools that still answer when declined (a deployment gate's `rejected`)

    def _installation(self) -> Installation | None:
        return self.installation() if self.installation is not None else None

    async def decide(self, click: Click) -> None:
        case = await self.authorize(click)
        if case is None:
            return
        approval = case.approval
        if click.decision is Decision.APPROVE:
            await self._approve(click, case)
        elif click.from_modal or not click.trigger_id:
            await self._reject(click, approval)
        elif not await self.chat.open_modal(
            click.trigger_id, self.messages.reject_modal(approval.id, approval.channel)
        ):
            await self._reject(click, approval)  # the modal could not open: reject without a reason

    async def authorize(self, click: Click) -> ApprovalCase | None:
        """The one authorization path for every click and submission on an approval card (approve, reject, edit,
        retry, mark done): `check_click` against stored state, then the approver list. Returns the case (the
        approval with its run, steps and decisions, read once), or None after refusing (an ephemeral for the
        clicker and an audit row)."""
        case = await self.repo.approval_case(click.approval_id)
        approval = case.approval if case is not None else None
        current, status = None, None
        if case is not None:
            step, run = case.step, case.run
            current = action_hash(tool=step.tool, args=step.args, requester=run.actor, team_id=run.team_id)
            status = step.status
        refusal = check_click(
            click, approval, step_status=status, current_hash=current, now=self.clock.now(),
            installation=self._installation(),
        )  # fmt: skip
        if refusal is None and approval is not None and needs_membership(click, approval):
            refusal = await self._membership_refusal(click, approval)
        if refusal is not None or case is None:
            gone = Refusal(reason="That request is gone.", audit_kind="click.unknown")
            await self.refuse(click, refusal or gone, approval=approval)
            if refusal is not None and refusal.audit_kind == "click.expired" and approval is not None:
                await self.expire(approval)
            return None
        return case

    async def _membership_refusal(self, click: Click, approval: ApprovalRecord) -> Refusal | None:
        try:
            allowed = await self.membership.may_decide(click.user, approval.approvers, approval.channel)
        except LookupFailed:
            return Refusal(
                reason="I couldn't confirm that you may decide on this (a Slack lookup failed), so nothing changed.",
                audit_kind="click.lookup_failed",
            )
        if allowed:
            return None
        who = describe_specs(approval.approvers).replace("anyone in this channel", "people in this channel")
        return Refusal(reason=f"Only {who} can decide on this.", audit_kind="click.not_allowed")

    async def _approve(self, click: Click, case: ApprovalCase) -> None:
        """Record the approval; at quorum, approve the step and run it — from the case in hand, not read again."""
        now, approval = self.clock.now(), case.approval
        external = click.external(self._installation())  # only where the rule allows it (check_click)
        decisions = await self.repo.add_decision(approval.id, click.user, Decision.APPROVE, now, external=external)
        if decisions is None:
            await self.refuse(
                click, Refusal(reason="You already approved this.", audit_kind="click.duplicate"), approval=approval
            )
            return
        case = replace(case, decisions=decisions)
        await self.audit.append(
            "approval.decision", at=now, run_id=approval.run_id, actor=click.user, decision="approve",
            **({"external": True, "user_team": click.user_team_id} if external else {}),
        )  # fmt: skip
        if not quorum_met(approval, decisions):
            await self.cards.redraw(case)
            return
        if not await self.repo.approve_step(case, now):
            decided = Refusal(reason="This request was already decided.", audit_kind="click.decided")
            await self.refuse(click, decided, approval=approval)
            return
        metrics.decided("approved", now - approval.created_at)
        case = replace(
            case.with_step(replace(case.step, status=StepStatus.APPROVED)),
            approval=replace(approval, status=ApprovalStatus.APPROVED, decided_at=now),
            run=replace(case.run, status=RunStatus.RUNNING, updated_at=now),
        )
        await self.audit.append(
            "approval.approved", at=now, run_id=approval.run_id, actor=click.user, approval=approval.id
        )
        await self.cards.redraw(case, status="executing")
        await self.runner.advance(approval.run_id, case=case)

    async def _reject(self, click: Click, approval: ApprovalRecord) -> None:
        now = self.clock.now()
        if not await self.repo.move_approval(approval.id, ApprovalStatus.PENDING, ApprovalStatus.REJECTED, now):
            await self.refuse(click, Refusal(reason="This request was already decided.", audit_kind="click.decided"))
            return
        metrics.decided("rejected", now - approval.created_at)
        external = click.external(self._installation())  # only where the rule allows it (check_click)
        await self.repo.add_decision(
            approval.id, click.user, Decision.REJECT, now, reason=click.reason, external=external
        )
        why = f"Rejected by {mention(click.user)}" + (f": {click.reason}" if click.reason else "")
        await self.repo.move_step(
            approval.step_id,
            [StepStatus.WAITING_APPROVAL],
            StepStatus.REJECTED,
            finished_at=now,
            result={"error": "rejected", "message": why},
        )
        await self.audit.append(
            "approval.rejected",
            at=now,
            run_id=approval.run_id,
            actor=click.user,
            approval=approval.id,
            reason=click.reason,
            **({"external": True, "user_team": click.user_team_id} if external else {}),
        )
        await self.cards.refresh(approval.id)
        if self.declines is not None:
            await self.declines.rejected(approval, click.user, click.reason)
        await self.runner.advance(approval.run_id)  # an agent hears about the rejection; a command ends

    async def expire(self, approval: ApprovalRecord) -> bool:
        now = self.clock.now()
        if not await self.repo.move_approval(approval.id, ApprovalStatus.PENDING, ApprovalStatus.EXPIRED, now):
            return False
        metrics.decided("expired", now - approval.created_at)
        await self.repo.move_step(
            approval.step_id,
            [StepStatus.WAITING_APPROVAL],
            StepStatus.FAILED,
            finished_at=now,
            result={"error": "expired", "message": "The approval request expired."},
        )
        await self.audit.append("approval.expired", at=now, run_id=approval.run_id, approval=approval.id)
        await self.cards.refresh(approval.id)
        if self.declines is not None:
            await self.declines.expired(approval)
        await self.runner.advance(approval.run_id)
        return True

    async def refuse(self, click: Click, refusal: Refusal, *, approval: ApprovalRecord | None = None) -> None:
        """Tell the clicker why nothing changed, and audit it. `approval` saves reading it again."""
        if approval is None or approval.id != click.approval_id:
            approval = await self.repo.approval(click.approval_id)
        await self.audit.append(
            refusal.audit_kind,
            at=self.clock.now(),
            run_id=approval.run_id if approval else None,
            actor=click.user,
            approval=click.approval_id,
            reason=refusal.reason,
        )
        if click.channel:
            thread = approval.thread_ts if approval else None
            await self.chat.ephemeral(click.channel, click.user, refusal.reason, thread_ts=thread)
