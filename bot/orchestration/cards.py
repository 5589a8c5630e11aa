"""Approval cards: post one, and redraw it in place whenever its state changes — from the case in hand when the
caller has it (a click), or read once from the store."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.core.card_view import CardView, preview_from_dict
from bot.core.domain import ApprovalCase, Decision, RunRecord
from bot.core.errors import NotInChannel
from bot.core.mcp_runs import mcp_client
from bot.core.ports import Blocks, Chat, Messages, Store
from bot.core.tool_registry import Risk, ToolRegistry

log = logging.getLogger(__name__)

Poster = Callable[[RunRecord, str, Blocks], Awaitable[str]]


class Cards:
    def __init__(self, *, repo: Store, chat: Chat, messages: Messages, registry: ToolRegistry) -> None:
        self.repo = repo
        self.chat = chat
        self.messages = messages
        self.registry = registry

    async def post_new(self, case: ApprovalCase, *, thread_poster: Poster) -> ApprovalCase:
        """Post the card of a new request in the run's thread; the case comes back with the card's message."""
        view = self.view(case)
        ts = await thread_poster(case.run, f"Approval needed: {view.preview.title}", self.messages.approval_card(view))
        if not ts:
            return case
        await self.repo.set_approval_message(case.approval.id, ts)
        return replace(case, approval=replace(case.approval, message_ts=ts))

    async def refresh(self, approval_id: str, *, status: str | None = None, outcome: str | None = None) -> None:
        case = await self.repo.approval_case(approval_id)
        if case is not None:
            await self.redraw(case, status=status, outcome=outcome)

    async def redraw(self, case: ApprovalCase, *, status: str | None = None, outcome: str | None = None) -> None:
        """Draw the card again from `case`, as it stands (no store read)."""
        approval = case.approval
        if not approval.channel or not approval.message_ts:
            return
        view = self.view(case, status=status, outcome=outcome)
        text = f"{view.preview.title}: {view.status}"
        try:
            await self.chat.update(approval.channel, approval.message_ts, text, self.messages.approval_card(view))
        except NotInChannel:  # opsbot was removed from the channel: its messages now go to the people privately
            log.warning("approval %s: its card was not redrawn (opsbot is not in %s)", approval.id, approval.channel)

    async def show_outcome(self, case: ApprovalCase | None, step_id: str, *, status: str) -> None:
        """The card of a risky step that finished: its header and status line say how it ended. The result itself
        (or what went wrong) is said once, as a reply in the card's thread, which notifies the people in it."""
        if case is None or case.approval.step_id != step_id:
            approval = await self.repo.approval_for_step(step_id)
            case = await self.repo.approval_case(approval.id) if approval is not None else None
        if case is None:
            return
        await self.redraw(case, status=status)

    def view(self, case: ApprovalCase, *, status: str | None = None, outcome: str | None = None) -> CardView:
        approval = case.approval
        approved = tuple(d.user_id for d in case.decisions if d.decision == Decision.APPROVE.value)
        rejection = next((d for d in case.decisions if d.decision == Decision.REJECT.value), None)
        tool = case.step.tool
        return CardView(
            approval_id=approval.id,
            tool=tool,
            risk=self.registry.risk_of(tool) if tool in self.registry else Risk.DANGEROUS,
            preview=preview_from_dict(approval.preview),
            requester=approval.requester,
            approvers=tuple(approval.approvers),
            required=approval.required,
            expires_at=approval.expires_at,
            status=status or approval.status,
            approved_by=approved,
            rejected_by=rejection.user_id if rejection else None,
            reason=rejection.reason if rejection else None,
            rule=approval.rule,
            outcome=outcome,
            external_users=approval.external_users,
            external_approvers=tuple(d.user_id for d in case.decisions if d.external),
            via=mcp_client(case.run.state),
        )
