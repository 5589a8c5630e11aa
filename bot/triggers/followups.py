"""What a matching route asks for after the notification: run a tool (approval per policy) or ask the planner."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.domain import Event, ToolCall
from bot.core.errors import UserFacingError
from bot.core.ports import Chat
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.planner.planner_base import PlanContext, Planner
from bot.orchestration.runner import Runner
from bot.slack_ui.block_kit import as_dicts, error_blocks
from bot.triggers.trigger_rules import Facts, RouteSpec, ToolAction, render_args, render_text

if TYPE_CHECKING:
    from bot.orchestration.agent.agent_loop import AgentLoop

log = logging.getLogger(__name__)


class Followups:
    def __init__(
        self,
        *,
        runner: Runner,
        registry: ToolRegistry,
        planner: Planner,
        chat: Chat,
        agent: AgentLoop | None = None,
        people: Mapping[str, str] | None = None,
    ) -> None:
        self.people = {login.lower(): user for login, user in (people or {}).items()}
        self.runner = runner
        self.registry = registry
        self.planner = planner
        self.chat = chat
        self.agent = agent

    async def after(
        self,
        route: RouteSpec,
        facts: Facts,
        event: Event,
        *,
        inbox_id: int | None,
        thread_ts: str | None,
        channel: str | None = None,
        requester: str | None = None,
    ) -> None:
        """The route's run and prompt, in `thread_ts` of the route's channel (or `channel`: a thread elsewhere); the
        requester is `requester` when given (who asked in Slack), else the Slack user of the event's cause."""
        channel = channel or route.notify
        if route.notify is None or channel is None:
            return
        event = replace(event, channel=channel, thread_ts=thread_ts, actor=requester or self._requester(event, facts))
        try:
            if route.run is not None:
                await self.run_tool(route.run, facts, event, inbox_id=inbox_id)
                inbox_id = None  # one run per inbox item; the prompt below gets its own
            if route.ask is not None:
                await self._ask(render_text(route.ask, facts.values), event, inbox_id=inbox_id)
        except UserFacingError as exc:
            text = f"The rule {route.name or ''} could not run: {exc.message}".replace("  ", " ")
            await self.chat.post(channel, text, as_dicts(error_blocks(text, exc.hint)), thread_ts=thread_ts)

    def _requester(self, event: Event, facts: Facts) -> str:
        """Who asks, for the policy: the Slack user of the GitHub login that caused the event (a deployment's
        creator, else the event's sender), so they cannot approve it themselves; else the event's own actor."""
        if facts.source != "github":
            return event.actor
        creator = facts.values.get("creator")
        login = creator if isinstance(creator, str) and creator else event.actor.removeprefix("github:")
        return self.people.get(login.lower(), event.actor)

    async def run_tool(self, action: ToolAction, facts: Facts, event: Event, *, inbox_id: int | None) -> str:
        args = render_args(action.args, facts.values)
        model = self.registry.validate(action.tool, args)
        call = ToolCall(tool=action.tool, args=model.model_dump(mode="json"))
        return await self.runner.start(event, [call], inbox_id=inbox_id, thread_ts=event.thread_ts)

    async def _ask(self, text: str, event: Event, *, inbox_id: int | None) -> None:
        event = replace(event, text=text)
        agent = self.agent
        if agent is not None:
            run_id = await agent.start(event, inbox_id=inbox_id, thread_ts=event.thread_ts)
            if run_id is not None:
                await self.runner.advance(run_id)
            return
        context = PlanContext(tool_names=tuple(self.registry.names()))
        plan = self.planner.plan(text, context)
        if not plan.calls:
            raise UserFacingError(f"`{text}` is not a command I can run without an AI model.")
        calls = [
            ToolCall(tool=c.tool, args=self.registry.validate(c.tool, c.args).model_dump(mode="json"))
            for c in plan.calls
        ]
        await self.runner.start(event, calls, inbox_id=inbox_id, thread_ts=event.thread_ts)
