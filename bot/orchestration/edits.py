"""Edit before approval: the requester changes arguments in a modal; a new request replaces the old one."""

from __future__ import annotations

import json

from pydantic import BaseModel

from bot.approvals.click_checks import Click, Refusal
from bot.core import metrics
from bot.core.domain import ApprovalCase
from bot.core.errors import InvalidArguments
from bot.core.jsonvalue import JsonObject
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.decisions import Decider


class Editor:
    def __init__(self, *, decider: Decider, registry: ToolRegistry) -> None:
        self.decider = decider
        self.registry = registry
        self.repo = decider.repo

    async def open(self, click: Click) -> None:
        case = await self._requester_case(click)
        if case is None or not click.trigger_id:
            return
        approval, step = case.approval, case.step
        fields = form_fields(self.registry.get(step.tool).args, step.args)
        await self.decider.chat.open_modal(
            click.trigger_id, self.decider.messages.edit_modal(approval.id, approval.channel, step.tool, fields)
        )

    async def submit(self, click: Click, values: dict[str, str | None]) -> None:
        case = await self._requester_case(click)
        if case is None:
            return
        approval, step = case.approval, case.step
        try:
            raw = parse_form(self.registry.get(step.tool).args, values)
            args = self.registry.validate(step.tool, raw).model_dump(mode="json")
        except InvalidArguments as exc:
            invalid = Refusal(reason=f"Your edit was not applied: {exc}", audit_kind="edit.invalid")
            await self.decider.refuse(click, invalid, approval=approval)
            return
        now = self.decider.clock.now()
        if not await self.repo.supersede(approval.id, "edit", now):
            decided = Refusal(reason="This request was already decided.", audit_kind="click.decided")
            await self.decider.refuse(click, decided, approval=approval)
            return
        metrics.decided("superseded", now - approval.created_at)
        await self.repo.replace_step_args(step.id, args)
        await self.decider.audit.append(
            "approval.superseded",
            at=now,
            run_id=approval.run_id,
            actor=click.user,
            approval=approval.id,
            args=args,
        )
        await self.decider.cards.refresh(approval.id)
        await self.decider.runner.advance(approval.run_id)

    async def _requester_case(self, click: Click) -> ApprovalCase | None:
        # The one click check, with purpose EDIT: a pending, unexpired, unchanged request of this conversation,
        # and only its requester (no approver list needed).
        return await self.decider.authorize(click)


def form_fields(model: type[BaseModel], args: JsonObject) -> list[tuple[str, str, bool]]:
    fields = []
    for name, info in model.model_fields.items():
        value = args.get(name)
        text = "" if value is None else json.dumps(value) if isinstance(value, dict | list) else str(value)
        fields.append((name, text, info.is_required()))
    return fields


def parse_form(model: type[BaseModel], values: dict[str, str | None]) -> JsonObject:
    args: JsonObject = {}
    for name, info in model.model_fields.items():
        text = (values.get(name) or "").strip()
        if not text:
            continue
        if info.annotation is not None and "dict" in str(info.annotation):
            try:
                args[name] = json.loads(text)
            except ValueError:
                raise InvalidArguments(f'`{name}` must be JSON, e.g. {{"env": "prod"}}.') from None
        else:
            args[name] = text
    return args
