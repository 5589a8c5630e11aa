"""What an MCP client reads of its requests: how an approval stands, a step's outcome as the call's answer, the
state of one request (`get_request`) or of its latest ones, and our sentences in plain words for an agent."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from bot.core.approval_rules import CHANNEL, GROUP_PREFIX
from bot.core.domain import ApprovalStatus, Source, StepRecord, StepStatus
from bot.core.jsonvalue import JsonList, JsonObject
from bot.core.mcp_runs import mcp_token_of
from bot.core.mcp_tokens import McpToken
from bot.core.mrkdwn import readable, slack_refs
from bot.core.ports import Directory, Store

FINAL = frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.REJECTED, StepStatus.UNKNOWN})
LATEST = 10  # requests `get_request` lists without an id


class GetRequestArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    request_id: str | None = Field(
        None, min_length=1, max_length=64,
        description="The id a risky call answered with; leave it out to list this token's latest requests.",
    )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Answer:
    """A call's result: `data` as JSON (also the text content); `error` makes it an MCP error result."""

    data: JsonObject
    error: bool = False


def refused(message: str, **more: str | None) -> Answer:
    return Answer(data={"error": message, **more}, error=True)


class McpRequests:
    def __init__(self, *, repo: Store, directory: Directory) -> None:
        self.repo, self.directory = repo, directory

    async def in_words(self, answer: Answer) -> Answer:
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

    async def standing(self, run_id: str, step: StepRecord) -> str:
        """How the approval stands, in words: "waiting for 1 of 2 approvals from @release-managers, expires …"."""
        approval = await self.repo.approval_for_step(step.id)
        if approval is None:
            return f"{step.status.replace('_', ' ')}."
        if approval.status is not ApprovalStatus.PENDING:
            return f"{approval.status.value}; the step is {step.status.replace('_', ' ')}."
        decisions = await self.repo.decisions_of(approval.id)
        approved = len({d.user_id for d in decisions if d.decision == "approve"})
        left = max(approval.required - approved, 1)
        who = ", ".join([await self._name(a) for a in approval.approvers]) or "anyone in the channel but the requester"
        return (
            f"waiting for {left} of {approval.required} approval{'s' if approval.required != 1 else ''} from {who} "
            f"in Slack, expires {approval.expires_at:%H:%M} UTC."
        )

    async def _name(self, spec: str) -> str:
        """An approver spec in plain words (bot.approvals.membership.describe_specs says it for Slack)."""
        if spec == CHANNEL:
            return "anyone in the channel"
        if spec.startswith(GROUP_PREFIX):
            group = spec.removeprefix(GROUP_PREFIX).lstrip("@")
            return f"user group {group}" if group[:1] == "S" and group.isupper() else f"@{group}"
        try:
            name = await self.directory.user_name(spec)
        except Exception:  # a name is a nicety: the progress goes on without it
            name = None
        return f"@{name}" if name else "someone"

    async def answer(self, run_id: str, step: StepRecord) -> Answer:
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

    async def get_request(self, token: McpToken, arguments: JsonObject) -> Answer:
        try:
            args = GetRequestArgs.model_validate(arguments)
        except ValueError:
            return refused("get_request takes `request_id`, the id a risky call answered with.")
        if args.request_id is None:
            return await self._latest(token)
        run = await self.repo.run(args.request_id)
        if run is None or run.actor != token.user_id or mcp_token_of(run.state) is None:
            return refused(f"There is no request `{args.request_id}` of yours.")
        steps = await self.repo.steps_of(run.id)
        if not steps:
            return refused(f"Request `{run.id}` has no step.")
        step = steps[0]
        if StepStatus(step.status) in FINAL:
            return await self.answer(run.id, step)
        return Answer(data={"request_id": run.id, "state": "waiting_approval",
                            "message": await self.standing(run.id, step)})  # fmt: skip

    async def _latest(self, token: McpToken) -> Answer:
        """This token's latest requests and their states: for a client that left before it learnt an id."""
        found: JsonList = []
        for run in await self.repo.recent_runs(source=Source.MCP.value, actor=token.user_id, limit=LATEST * 4):
            if mcp_token_of(run.state) != token.id or len(found) >= LATEST:
                continue
            steps = await self.repo.steps_of(run.id)
            state = str(steps[0].status if steps else run.status)
            tool = steps[0].tool if steps else None
            found.append({"request_id": run.id, "tool": tool, "state": state, "asked_at": run.created_at.isoformat()})
        return Answer(data={"requests": found})

    async def still_open(self, token: McpToken, tool: str, args: JsonObject) -> tuple[str, StepRecord] | None:
        """This token's request for the same call (tool and arguments) that has not ended yet — waiting for its
        approval, approved, or running: a client that sends a call again (its own timeout, a retry) joins it
        instead of asking people twice. One that has ended is not joined: asking again is a new request."""
        for run in await self.repo.recent_runs(source=Source.MCP.value, actor=token.user_id, limit=LATEST * 4):
            if mcp_token_of(run.state) != token.id:
                continue
            steps = await self.repo.steps_of(run.id)
            same = len(steps) == 1 and steps[0].tool == tool and steps[0].args == args
            if same and StepStatus(steps[0].status) not in FINAL:
                return run.id, steps[0]
        return None

    async def open_requests(self, token: McpToken) -> int:
        count = 0
        for approval in await self.repo.pending_approvals():
            if approval.requester != token.user_id:
                continue
            run = await self.repo.run(approval.run_id)
            count += run is not None and mcp_token_of(run.state) == token.id
        return count
