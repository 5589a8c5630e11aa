"""opsbot's tools for an MCP client: the same registry, policy, runs, cards and audit as a person in Slack.

A token is bound to one Slack user: the client asks as that person. A read answers at once (after the policy's
requester check). A risky tool becomes the same durable run a command makes, whose approval card says which client
asked on whose behalf; the call then waits for the decision — on any replica: the step's row is read until it is
final — and says how the approval stands meanwhile. Approved: the tool ran once, its result is the call's result.
Rejected or expired: an error result with the reason. Still open after `wait`, or the client gone: nothing is lost,
`get_request` with the request id (the run's id) tells its state and, later, its result.

Results are data: the tool's structured result as JSON, never instructions of ours mixed into outside text.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from bot.core import metrics
from bot.core.approval_rules import Asker
from bot.core.clock import Clock
from bot.core.domain import Event, Source, StepRecord, StepStatus, ToolCall
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mcp_metrics import mcp_called
from bot.core.mcp_runs import mcp_state
from bot.core.mcp_tokens import McpToken
from bot.core.ports import Audit, Directory, Store
from bot.core.tool_registry import ToolRegistry, ToolSchema
from bot.dispatch.mcp_requests import FINAL, Answer, GetRequestArgs, McpRequests, refused
from bot.orchestration.runner import Runner

log = logging.getLogger(__name__)

GET_REQUEST = "get_request"
Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class McpLimits:
    calls_per_minute: int = 60  # per token, on this replica
    open_requests: int = 5  # per token: risky calls waiting for a decision
    wait_seconds: float = 300.0  # how long a risky call stays open before it answers "pending"
    poll_seconds: float = 0.5  # how often the waiting call reads its step
    progress_seconds: float = 10.0  # how often it says how the approval stands


@dataclass
class _Window:
    calls: deque[float] = field(default_factory=deque)


class McpCalls:
    def __init__(
        self,
        *,
        registry: ToolRegistry,
        runner: Runner,
        repo: Store,
        audit: Audit,
        clock: Clock,
        directory: Directory,
        limits: McpLimits | None = None,
    ) -> None:
        self.registry, self.runner, self.repo, self.audit, self.clock = registry, runner, repo, audit, clock
        self.directory = directory
        self.limits = limits or McpLimits()
        self.requests = McpRequests(repo=repo, directory=directory)
        self._windows: dict[str, _Window] = {}
        self._asking: dict[str, asyncio.Lock] = {}  # per token: looking for the same open call, then starting one

    def tools(self, token: McpToken) -> list[ToolSchema]:
        """The tools this token may call, as the registry defines them (no second definition), and `get_request`."""
        own: list[ToolSchema] = [s for s in self.registry.json_schemas() if token.allows(s["name"])]
        look_up: ToolSchema = {
            "name": GET_REQUEST,
            "description": "The state of a request a risky call made (waiting, approved and run, rejected, "
            "expired, failed), and its result once there is one.",
            "parameters": GetRequestArgs.model_json_schema(),
        }
        return [*own, look_up]

    async def call(self, token: McpToken, name: str, arguments: JsonObject, progress: Progress) -> Answer:
        answer = await self.requests.in_words(await self._call(token, name, arguments, progress))
        outcome = "error" if answer.error else "ok"
        mcp_called(name, name in self.registry or name == GET_REQUEST, error=answer.error)
        await self.audit.append(
            "mcp.call", at=self.clock.now(), client=token.name, client_id=token.id, actor=token.user_id, tool=name,
            outcome=outcome, error=answer.data.get("error") if answer.error else None,
            request=answer.data.get("request_id"),
        )  # fmt: skip
        return answer

    async def _call(self, token: McpToken, name: str, arguments: JsonObject, progress: Progress) -> Answer:
        if name == GET_REQUEST:
            return await self.requests.get_request(token, arguments)
        if name not in self.registry:
            return refused(f"There is no tool called `{name}`.")
        if not token.allows(name):
            allowed = ", ".join(token.tools)
            return refused(f"This token may not call `{name}` (it may call: {allowed}).", tool=name)
        if (limited := self._over_rate(token)) is not None:
            return limited
        try:
            model = self.registry.validate(name, arguments)
        except UserFacingError as exc:
            return refused(exc.message)
        args = model.model_dump(mode="json")
        if not self.registry.risk_of(name).needs_approval:
            return await self._read(token, name, model, args)
        # the same call twice at once (on this replica) makes one request; the lock is held only to find or start it
        async with self._asking.setdefault(token.id, asyncio.Lock()):
            same = await self.requests.still_open(token, name, args)
            if same is None and await self.requests.open_requests(token) >= self.limits.open_requests:
                return refused(
                    f"This token has {self.limits.open_requests} requests waiting for approval already: wait for a "
                    "decision (get_request) before asking for more."
                )
            run_id, step = same or await self._start(token, name, args)
        if same is not None:
            await progress(f"request {run_id}: the same call is already open; waiting for it, not asking again.")
        return await self._wait(run_id, step, progress)

    def _over_rate(self, token: McpToken) -> Answer | None:
        now = time.monotonic()
        window = self._windows.setdefault(token.id, _Window())
        while window.calls and now - window.calls[0] > 60:
            window.calls.popleft()
        if len(window.calls) >= self.limits.calls_per_minute:
            return refused(f"Too many calls: this token may make {self.limits.calls_per_minute} a minute. Wait a "
                           "little and try again.")  # fmt: skip
        window.calls.append(now)
        return None

    async def _read(self, token: McpToken, name: str, model: BaseModel, args: JsonObject) -> Answer:
        config = self.runner.config
        rules = await config.policy.rules_for(name, args, token.channel)
        if config.askers is not None:
            asker = Asker(user=token.user_id, channel=token.channel, team_id=token.team_id)
            refusal = await config.askers.ask_refusal(name, rules, asker, risky=False)
            if refusal is not None:
                return refused(refusal, rule=rules.rule)
        try:
            tool = self.registry.get(name)
            result = await metrics.tool_call(name, lambda: tool.run(model))  # counted like any tool call
        except UserFacingError as exc:
            return refused(exc.message)
        return Answer(data={"tool": name, "result": result.data})  # data only: no Slack prose around outside text

    async def _start(self, token: McpToken, name: str, args: JsonObject) -> tuple[str, StepRecord]:
        channel = token.channel or token.user_id  # none given: the person's DM with opsbot
        event = Event(
            source=Source.MCP,
            type="mcp.call",
            dedupe_key=f"mcp:{uuid.uuid4().hex}",
            team_id=token.team_id,
            actor=token.user_id,
            channel=channel,
            text=f"{token.name}: {name}",
        )
        calls = [ToolCall(tool=name, args=args)]
        state = mcp_state(token.name, token.id)
        run_id = await self.runner.start(event, calls, inbox_id=None, thread_ts=None, state=state)
        [step] = await self.repo.steps_of(run_id)
        return run_id, step

    async def _wait(self, run_id: str, step: StepRecord, progress: Progress) -> Answer:
        """Until the step is final, or `wait_seconds` (real time: a person decides, on any replica). Each poll reads
        the step's row only; how the approval stands is read again when the step moved, or every progress_seconds."""
        started = time.monotonic()
        said, said_at, seen = "", 0.0, ""
        while True:
            current = await self.repo.step(step.id) or step
            if StepStatus(current.status) in FINAL:
                return await self.requests.answer(run_id, current)
            now = time.monotonic()
            if now - started >= self.limits.wait_seconds:
                return Answer(data={"request_id": run_id, "state": "waiting_approval",
                                    "message": await self.requests.standing(run_id, current) + " Call get_request with "
                                    "this request_id for its state and result."})  # fmt: skip
            if current.status != seen or now - said_at >= self.limits.progress_seconds:
                standing, seen = await self.requests.standing(run_id, current), current.status
                if standing != said or now - said_at >= self.limits.progress_seconds:
                    await progress(f"request {run_id}: {standing}")
                    said, said_at = standing, now
            await asyncio.sleep(self.limits.poll_seconds)  # sleep-ok: polls the step row any replica may settle
