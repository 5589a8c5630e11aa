"""Approval cards: post one, and redraw it in place from the stored approval whenever its state changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.card_view import CardView, preview_from_dict
from bot.domain import Decision, RunRecord
from bot.mrkdwn import escape
from bot.ports import Chat, Messages, Store
from integrations.registry import Risk, ToolRegistry, ToolResult

Poster = Callable[[RunRecord, str, list[dict[str, Any]]], Awaitable[str]]


class Cards:
    def __init__(self, *, repo: Store, chat: Chat, messages: Messages, registry: ToolRegistry) -> None:
        self.repo = repo
        self.chat = chat
        self.messages = messages
        self.registry = registry

    async def post_new(self, run: RunRecord, approval_id: str, *, thread_poster: Poster) -> None:
        view = await self.view(approval_id)
        if view is None:
            return
        ts = await thread_poster(run, f"Approval needed: {view.preview.title}", self.messages.approval_card(view))
        if ts:
            await self.repo.set_approval_message(approval_id, ts)

    async def refresh(self, approval_id: str, *, status: str | None = None, outcome: str | None = None) -> None:
        approval = await self.repo.approval(approval_id)
        view = await self.view(approval_id, status=status, outcome=outcome)
        if approval is None or view is None or not approval.channel or not approval.message_ts:
            return
        text = f"{view.preview.title}: {view.status}"
        await self.chat.update(approval.channel, approval.message_ts, text, self.messages.approval_card(view))

    async def refresh_for_step(
        self, step_id: str, *, status: str, result: ToolResult | None, message: str | None
    ) -> None:
        approval = await self.repo.approval_for_step(step_id)
        if approval is None:
            return
        outcome = result.text if result is not None else (f":warning: {escape(message)}" if message else None)
        await self.refresh(approval.id, status=status, outcome=outcome)

    async def view(self, approval_id: str, *, status: str | None = None, outcome: str | None = None) -> CardView | None:
        approval = await self.repo.approval(approval_id)
        if approval is None:
            return None
        step = await self.repo.step(approval.step_id)
        decisions = await self.repo.decisions_of(approval_id)
        approved = tuple(d.user_id for d in decisions if d.decision == Decision.APPROVE.value)
        rejection = next((d for d in decisions if d.decision == Decision.REJECT.value), None)
        tool = step.tool if step else "?"
        return CardView(
            approval_id=approval_id,
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
        )
