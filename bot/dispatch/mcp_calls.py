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
import html
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from pydantic import BaseModel, ConfigDict, Field

from bot.core.approval_rules import Asker
from bot.core.clock import Clock
from bot.core.domain import ApprovalStatus, Event, Source, StepRecord, StepStatus, ToolCall
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mcp_runs import mcp_state, mcp_token_of
from bot.core.mcp_tokens import McpToken
from bot.core.mrkdwn import readable, slack_refs
from bot.core.ports import Audit, Directory, Store
from bot.core.tool_registry import ToolRegistry, ToolSchema
from bot.orchestration.runner import Runner

log = logging.getLogger(__name__)

GET_REQUEST = "get_request"
FINAL = frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.REJECTED, StepStatus.UNKNOWN})
Progress = Callable[[str], Awaitable[None]]


class GetRequestArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    request_id: str = Field(min_length=1, max_length=64, description="The id a risky call answered with.")


@dataclass(frozen=True, kw_only=True)
class McpLimits:
    calls_per_minute: int = 60  # per token, on this replica
    open_requests: int = 5  # per token: risky calls waiting for a decision
    wait_seconds: float = 300.0  # how long a risky call stays open before it answers "pending"
    poll_seconds: float = 0.5  # how often the waiting call reads its step
    progress_seconds: float = 10.0  # how often it says how the approval stands


@dataclass(frozen=True, kw_only=True)
class Answer:
    """A call's result: `data` as JSON (also the text content); `error` makes it an MCP error result."""

    data: JsonObject
    error: bool = False

    @property
    def text(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, default=str)


def refused(message: str, **more: str | None) -> Answer:
    return Answer(data={"error": message, **more}, error=True)


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
        self._windows: dict[str, _Window] = {}

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
        answer = await self._in_words(await self._call(token, name, arguments, progress))
        outcome = "error" if answer.error else "ok"
        await self.audit.append(
            "mcp.call", at=self.clock.now(), client=token.name, client_id=token.id, actor=token.user_id, tool=name,
            outcome=outcome, error=answer.data.get("error") if answer.error else None,
            request=answer.data.get("request_id"),
        )  # fmt: skip
        return answer

    async def _call(self, token: McpToken, name: str, arguments: JsonObject, progress: Progress) -> Answer:
        if name == GET_REQUEST:
            return await self._get_request(token, arguments)
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
        if await self._open_requests(token) >= self.limits.open_requests:
            return refused(
                f"This token has {self.limits.open_requests} requests waiting for approval already: wait for a "
                "decision (get_request) before asking for more."
            )
        return await self._risky(token, name, args, progress)

    async def _in_words(self, answer: Answer) -> Answer:
        """Our own sentences (an error, a state) as plain text for an agent: Slack's `<@U…>` / `<#C…>` become
        names, never bare ids; `&lt;` and the like their characters. The tools' data is left as it is."""
        said = {k: v for k, v in answer.data.items() if k in ("error", "message") and isinstance(v, str)}
        if not said:
            return answer
        users, channels = set[str](), set[str]()
        for text in said.values():
            found_users, found_channels = slack_refs(text)
            users, channels = users | found_users, channels | found_channels
        names: dict[str, str] = {}
        for ref in users | channels:
            try:
                name = await (self.directory.user_name(ref) if ref in users else self.directory.channel_name(ref))
            except Exception:  # a name is a nicety: "someone" then
                name = None
            if name:
                names[ref] = name
        plain = {k: html.unescape(readable(v, names)) for k, v in said.items()}
        return replace(answer, data={**answer.data, **plain})

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
            result = await self.registry.get(name).run(model)
        except UserFacingError as exc:
            return refused(exc.message)
        return Answer(data={"tool": name, "result": result.data})  # data only: no Slack prose around outside text

    async def _risky(self, token: McpToken, name: str, args: JsonObject, progress: Progress) -> Answer:
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
        return await self._wait(run_id, step, progress)

    async def _wait(self, run_id: str, step: StepRecord, progress: Progress) -> Answer:
        """Until the step is final, or `wait_seconds` (real time: a person decides, on any replica)."""
        started = time.monotonic()
        said, said_at = "", 0.0
        while True:
            current = await self.repo.step(step.id) or step
            if StepStatus(current.status) in FINAL:
                return await self._answer(run_id, current)
            now = time.monotonic()
            if now - started >= self.limits.wait_seconds:
                return Answer(data={"request_id": run_id, "state": "waiting_approval",
                                    "message": await self._standing(run_id, current) + " Call get_request with "
                                    "this request_id for its state and result."})  # fmt: skip
            standing = await self._standing(run_id, current)
            if standing != said or now - said_at >= self.limits.progress_seconds:
                await progress(f"request {run_id}: {standing}")
                said, said_at = standing, now
            await asyncio.sleep(self.limits.poll_seconds)  # sleep-ok: polls the step row any replica may settle

    async def _standing(self, run_id: str, step: StepRecord) -> str:
        """How the approval stands, in words: "waiting for 1 of 2 approvals from @release-managers, expires …"."""
        approval = await self.repo.approval_for_step(step.id)
        if approval is None:
            return f"{step.status.replace('_', ' ')}."
        if approval.status is not ApprovalStatus.PENDING:
            return f"{approval.status.value}; the step is {step.status.replace('_', ' ')}."
        decisions = await self.repo.decisions_of(approval.id)
        approved = len({d.user_id for d in decisions if d.decision == "approve"})
        left = max(approval.required - approved, 1)
        who = ", ".join([await self._name(a) for a in approval.approvers]) or "the approvers"
        return (
            f"waiting for {left} of {approval.required} approval{'s' if approval.required != 1 else ''} from {who} "
            f"in Slack, expires {approval.expires_at:%H:%M} UTC."
        )

    async def _name(self, who: str) -> str:
        if who.startswith("@") or who[:1] not in ("U", "W"):
            return who if who.startswith("@") else f"@{who}"
        try:
            name = await self.directory.user_name(who)
        except Exception:  # a name is a nicety: the progress goes on without it
            name = None
        return f"@{name}" if name else who

    async def _answer(self, run_id: str, step: StepRecord) -> Answer:
        result: JsonObject = dict(step.result or {})
        status = StepStatus(step.status)
        if status is StepStatus.SUCCEEDED:
            found = {"request_id": run_id, "state": "succeeded", "tool": step.tool, "result": result.get("data")}
            return Answer(data=found)
        approval = await self.repo.approval_for_step(step.id)
        reason = str(result.get("message") or result.get("reason") or result.get("error") or status.value)
        if approval is not None and approval.status in (ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED):
            decisions = await self.repo.decisions_of(approval.id)
            said = next((d.reason for d in decisions if d.decision == "reject" and d.reason), None)
            if approval.status is ApprovalStatus.EXPIRED:
                reason = "The request expired in Slack before enough people approved it; nothing was run."
            else:
                reason = "Rejected in Slack" + (f": {said}" if said else "; nothing was run.")
            return refused(reason, request_id=run_id, state=approval.status.value)
        return refused(reason, request_id=run_id, state=status.value)

    async def _get_request(self, token: McpToken, arguments: JsonObject) -> Answer:
        try:
            args = GetRequestArgs.model_validate(arguments)
        except ValueError:
            return refused("get_request takes `request_id`, the id a risky call answered with.")
        run = await self.repo.run(args.request_id)
        if run is None or run.actor != token.user_id or mcp_token_of(run.state) is None:
            return refused(f"There is no request `{args.request_id}` of yours.")
        steps = await self.repo.steps_of(run.id)
        if not steps:
            return refused(f"Request `{run.id}` has no step.")
        step = steps[0]
        if StepStatus(step.status) in FINAL:
            return await self._answer(run.id, step)
        return Answer(data={"request_id": run.id, "state": "waiting_approval",
                            "message": await self._standing(run.id, step)})  # fmt: skip

    async def _open_requests(self, token: McpToken) -> int:
        count = 0
        for approval in await self.repo.pending_approvals():
            if approval.requester != token.user_id:
                continue
            run = await self.repo.run(approval.run_id)
            count += run is not None and mcp_token_of(run.state) == token.id
        return count
