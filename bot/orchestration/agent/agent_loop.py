"""The agent loop: ask the model, turn its tool calls into steps, let the runner gate and run them, repeat."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import timedelta

from pydantic import JsonValue

from bot.core.clock import Clock
from bot.core.domain import Event, RunKind, RunRecord, RunStatus, StepRecord, StepStatus
from bot.core.drivers import Turn
from bot.core.errors import InvalidArguments, ModelUnavailable, NotFound, UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import escape, unmark
from bot.core.ports import Audit, Chat, Messages, Model, ModelToolCall, Store
from bot.core.tool_registry import ToolRegistry
from bot.core.transitions import FINAL_STEP
from bot.orchestration.agent.agent_state import AgentState
from bot.orchestration.agent.conversation import Limits, build_messages, corrections, request_message, what_i_tried
from bot.orchestration.agent.progress import Progress
from bot.orchestration.planner.grammar import clean
from bot.orchestration.run_builders import new_id, run_row, trigger_of
from bot.orchestration.thread_poster import ThreadPoster

log = logging.getLogger(__name__)
TURN_LEASE = timedelta(minutes=2)


class AgentLoop:
    def __init__(
        self,
        *,
        repo: Store,
        audit: Audit,
        registry: ToolRegistry,
        poster: ThreadPoster,
        chat: Chat,
        messages: Messages,
        clock: Clock,
        model: Model,
        limits: Limits,
        secrets: tuple[str, ...] = (),
        refuse_double_texts_in: frozenset[str] = frozenset(),
    ) -> None:
        self.repo, self.audit, self.registry, self.poster = repo, audit, registry, poster
        self.chat, self.messages, self.clock, self.model, self.limits = chat, messages, clock, model, limits
        self.secrets = secrets
        self.refuse_double_texts_in = refuse_double_texts_in
        self.progress = Progress(repo=repo, poster=poster, chat=chat, messages=messages, clock=clock)

    eager = False  # the model is asked again only when every tool call of its last turn has a result

    async def start(self, event: Event, *, inbox_id: int | None, thread_ts: str | None) -> str | None:
        """A new agent run for this request; its id for the runner to drive, or None when it waits its turn
        behind another request in the same thread."""
        now = self.clock.now()
        if await self.repo.agent_runs_since(event.actor, now - timedelta(hours=1)) >= self.limits.per_user_per_hour:
            raise UserFacingError(
                f"You've reached the limit of {self.limits.per_user_per_hour} requests an hour to the AI agent.",
                hint="Commands such as `/ops list prs acme/api` still work.",
            )
        run_id = new_id()
        locked = not (event.channel and thread_ts) or await self.repo.lock_thread(event.channel, thread_ts, run_id, now)
        if not locked and event.channel in self.refuse_double_texts_in:
            raise UserFacingError("I'm still working on the previous request in this thread; ask again when it's done.")
        state = AgentState(request=request_message(event.actor, clean(event.text))).stored()
        status = RunStatus.RUNNING if locked else RunStatus.QUEUED
        run = run_row(
            run_id,
            event,
            inbox_id=inbox_id,
            thread_ts=thread_ts,
            now=now,
            kind=RunKind.AGENT,
            state=state,
            status=status,
        )
        await self.repo.create_run(run, [])
        await self.audit.append("agent.request", at=now, run_id=run_id, actor=event.actor, trigger=trigger_of(event))
        if not locked:
            await self.poster.post(
                run, "⏳ I'll answer this right after the request I'm working on in this thread.", []
            )
            return None
        await self.progress.begin(run)
        return run_id

    async def next_turn(self, run_id: str) -> Turn:
        """Take the next model turn if every tool call so far has a result. Safe to call from any worker."""
        now = self.clock.now()
        if not await self.repo.claim_turn(run_id, now, now + TURN_LEASE):
            return Turn()
        try:
            run = await self.repo.run(run_id)
            steps = await self.repo.steps_of(run_id)
            active = run is not None and run.status in (RunStatus.RUNNING, RunStatus.WAITING_APPROVAL)
            if run is None or not active or any(s.status not in FINAL_STEP for s in steps):
                await self.repo.release_turn(run_id)
                return Turn()
            if run.status != RunStatus.RUNNING:
                await self.repo.move_run(run_id, RunStatus.RUNNING, now)
            return await self._turn(run, steps)
        except BaseException:  # a failure, or a draining process cancelling it: the next worker may take the turn
            await asyncio.shield(self.repo.release_turn(run_id))
            raise

    async def _turn(self, run: RunRecord, steps: list[StepRecord]) -> Turn:
        state = AgentState.of(run.state)
        stop = self._limit_reached(state, steps)
        if stop is not None:
            return await self.finish(run, steps, stop, RunStatus.FAILED)
        messages = build_messages(state, steps, self.secrets)
        try:
            reply = await self.model.complete(messages, list(self.registry))
        except ModelUnavailable as exc:
            return await self.finish(run, steps, f"{exc} Nothing else was done.", RunStatus.FAILED)
        state.tokens += reply.tokens
        if reply.refusal and not reply.tool_calls:
            return await self.finish(run, steps, f"The model declined: {reply.refusal}", RunStatus.FAILED)
        if reply.finish_reason == "length" and not reply.tool_calls:
            return await self.finish(run, steps, "My answer was cut off by the model's length limit.", RunStatus.FAILED)
        state.turns.append(_assistant_turn(reply.content, reply.tool_calls))
        start = max((s.position for s in steps), default=-1) + 1
        new_steps = [self._step_for(run, call, start + i) for i, call in enumerate(reply.tool_calls)]
        await self.repo.save_turn(run.id, state.stored(), new_steps, self.clock.now())
        await self.audit.append(
            "agent.turn",
            at=self.clock.now(),
            run_id=run.id,
            calls=[{"tool": s.tool, "args": s.args, "status": s.status.value} for s in new_steps],
        )
        if not new_steps:
            return await self.finish(run, steps, reply.content or "Done.", RunStatus.SUCCEEDED)
        await self.progress.update(run)
        return Turn(more=True)

    def _limit_reached(self, state: AgentState, steps: list[StepRecord]) -> str | None:
        if len(state.turns) >= self.limits.max_turns:
            return f"I stopped after {self.limits.max_turns} rounds without finishing; here is where I got to."
        if state.tokens >= self.limits.max_tokens:
            return f"I stopped: this request used its budget of {self.limits.max_tokens} tokens."
        if len(corrections(steps)) > self.limits.max_corrections:
            return f"I stopped after {len(corrections(steps))} failed attempts; I couldn't work out the right call."
        return None

    def _step_for(self, run: RunRecord, call: ModelToolCall, position: int) -> StepRecord:
        """A step for one tool call. Unknown tools and invalid arguments fail closed: recorded, never run."""
        step = StepRecord(
            id=new_id(),
            run_id=run.id,
            position=position,
            tool=call.name[:64],
            args={},
            risk="dangerous",
            status=StepStatus.PENDING,
            call_id=call.id[:64],
        )
        try:
            tool = self.registry.get(call.name)
            raw = _parse_arguments(call.arguments)
            fields = tool.args.model_fields
            raw = {k: v for k, v in raw.items() if not (v is None and k in fields and not fields[k].is_required())}
            args = self.registry.validate(call.name, raw).model_dump(mode="json")
            return replace(step, args=args, risk=tool.risk.value)
        except (NotFound, InvalidArguments) as exc:
            data = exc.as_data()
            if isinstance(exc, NotFound):
                data["error"] = "unknown_tool"
            return replace(step, status=StepStatus.FAILED, result=data, finished_at=self.clock.now())

    async def finish(self, run: RunRecord, steps: list[StepRecord], text: str, status: RunStatus) -> Turn:
        """The final answer; then the request queued next in the same thread, if any, takes its turn."""
        now = self.clock.now()
        await self.repo.release_turn(run.id)
        await self.repo.move_run(run.id, status, now)
        tried = what_i_tried(await self.repo.steps_of(run.id))
        footer = f"AI agent · {self.model.name} · answers can be wrong; risky actions always ask first"
        lines = [escape(tried), footer] if tried else [footer]
        said = escape(unmark(text))  # the model's words are outside text: no mark of ours survives in them
        blocks = self.messages.note(said[:2900] or "Done.", *lines)
        await self.poster.post(run, said[:3000] or "Done.", blocks)
        await self.progress.done(run, ok=status is RunStatus.SUCCEEDED)
        await self.audit.append("agent.finished", at=now, run_id=run.id, status=status.value)
        queued = await self._next_in_thread(run)
        return Turn(start=(queued,) if queued else ())

    async def _next_in_thread(self, run: RunRecord) -> str | None:
        if not run.channel or not run.thread_ts:
            return None
        await self.repo.unlock_thread(run.channel, run.thread_ts, run.id)
        queued = await self.repo.next_queued(run.channel, run.thread_ts)
        now = self.clock.now()
        if queued is None or not await self.repo.lock_thread(run.channel, run.thread_ts, queued.id, now):
            return None
        await self.repo.move_run(queued.id, RunStatus.RUNNING, now)
        await self.progress.begin(replace(queued, status=RunStatus.RUNNING))
        return queued.id


def _parse_arguments(text: str) -> JsonObject:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        raise InvalidArguments("The arguments were not valid JSON.") from None
    if not isinstance(value, dict):
        raise InvalidArguments("The arguments must be a JSON object.")
    return value


def _assistant_turn(content: str | None, calls: tuple[ModelToolCall, ...]) -> dict[str, JsonValue]:
    turn: dict[str, JsonValue] = {"role": "assistant", "content": content}
    if calls:
        turn["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    return turn
