"""Runs and steps: execute reads at once, stop risky steps behind an approval, move every state by CAS."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.approvals import ApprovalRules, action_hash, quorum_met
from bot.card_view import preview_to_dict
from bot.cards import Cards
from bot.clock import Clock
from bot.domain import (
    ApprovalRecord,
    ApprovalStatus,
    Event,
    RunKind,
    RunRecord,
    RunStatus,
    StepRecord,
    StepStatus,
    ToolCall,
)
from bot.errors import OutcomeUnknown, ToolError
from bot.ports import Audit, Messages, Store
from bot.thread_poster import ThreadPoster
from integrations.registry import CURRENT_RUN, Preview, Risk, ToolRegistry, ToolResult

log = logging.getLogger(__name__)

FINAL_STEP = {StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.REJECTED, StepStatus.UNKNOWN}


def new_id() -> str:
    return uuid.uuid4().hex


class PolicyPort(Protocol):
    """The approval policy as the runner sees it (bot.policy behind, with channel names resolved)."""

    async def rules_for(self, tool: str, args: dict[str, Any], channel: str | None) -> ApprovalRules: ...

    async def refusal(self, tool: str, rules: ApprovalRules, channel: str | None) -> str | None: ...


@dataclass(frozen=True, kw_only=True)
class RunnerConfig:
    policy: PolicyPort
    execution_timeout: timedelta = timedelta(minutes=10)


@dataclass(frozen=True, kw_only=True)
class Turn:
    """What a planner's turn did: `more` when it added steps to the run, `start` for other runs it started."""

    more: bool = False
    start: tuple[str, ...] = ()


class Driver(Protocol):
    """The planner of a kind of run (the agent, runbooks): asked for its next steps whenever the run's steps are all
    final — and, when `eager`, whenever one of them finishes. Commands have none: their steps are planned up front."""

    eager: bool

    async def next_turn(self, run_id: str) -> Turn: ...


class Runner:
    def __init__(
        self,
        *,
        repo: Store,
        audit: Audit,
        registry: ToolRegistry,
        poster: ThreadPoster,
        cards: Cards,
        messages: Messages,
        clock: Clock,
        config: RunnerConfig,
        drivers: Mapping[RunKind, Driver],
    ) -> None:
        self.repo = repo
        self.audit = audit
        self.registry = registry
        self.poster = poster
        self.cards = cards
        self.messages = messages
        self.clock = clock
        self.config = config
        self.drivers = dict(drivers)

    async def start(
        self, event: Event, calls: Sequence[ToolCall], *, inbox_id: int | None, thread_ts: str | None
    ) -> str:
        now = self.clock.now()
        run_id = new_id()
        run = run_row(run_id, event, inbox_id=inbox_id, thread_ts=thread_ts, now=now)
        rows = [
            StepRecord(
                id=new_id(),
                run_id=run_id,
                position=i,
                tool=call.tool,
                args=call.args,
                risk=self.registry.risk_of(call.tool).value,
                status=StepStatus.PENDING,
            )
            for i, call in enumerate(calls)
        ]
        await self.repo.create_run(run, rows)
        await self.audit.append(
            "plan",
            at=now,
            run_id=run_id,
            actor=event.actor,
            trigger=trigger_of(event),
            calls=[{"tool": c.tool, "args": c.args} for c in calls],
        )
        await self.advance(run_id)
        return run_id

    async def advance(self, run_id: str) -> None:
        """Move a run on: a command's steps one by one (stopping at a failure); an agent's tool calls all at
        once (reads run, risky ones post cards); when nothing is left, finish — or ask its driver for more."""
        while True:
            run = await self.repo.run(run_id)
            if run is None or run.status is RunStatus.QUEUED:
                return
            open_steps = [s for s in await self.repo.steps_of(run_id) if s.status not in FINAL_STEP]
            driver = self.drivers.get(run.kind)
            if not open_steps and driver is None:
                await self._finish(run)
                return
            if open_steps:
                todo = open_steps if run.kind is not RunKind.GRAMMAR else open_steps[:1]
                if any([await self._step_once(run, step) for step in todo]):
                    continue
                if driver is None or not driver.eager:
                    return  # waiting: for approvals, or for a step another worker runs
            assert driver is not None
            turn = await driver.next_turn(run_id)  # it may start more steps while others still wait
            for started in turn.start:
                await self.advance(started)
            if not turn.more:
                return

    async def resume_stalled(self) -> None:
        """Periodic: runs a crash left between turns, or whose retry is due, go on (any replica may call it)."""
        for kind in self.drivers:
            for run in await self.repo.stalled_runs(kind, self.clock.now()):
                await self.advance(run.id)

    async def _step_once(self, run: RunRecord, step: StepRecord) -> bool:
        """Do what this step allows now; True when it reached a final state (so the run may move on)."""
        status = StepStatus(step.status)
        if status is StepStatus.PENDING and Risk(step.risk).needs_approval:
            return await self._request_approval(run, step)
        if status is StepStatus.PENDING or status is StepStatus.APPROVED:
            outcome = await self._execute(run, step)
            return outcome is StepStatus.SUCCEEDED or (outcome is not None and run.kind is not RunKind.GRAMMAR)
        return False

    async def _finish(self, run: RunRecord) -> None:
        statuses = {StepStatus(s.status) for s in await self.repo.steps_of(run.id)}
        final = RunStatus.SUCCEEDED
        for step_status, run_status in (
            (StepStatus.UNKNOWN, RunStatus.UNKNOWN),
            (StepStatus.REJECTED, RunStatus.REJECTED),
            (StepStatus.FAILED, RunStatus.FAILED),
        ):
            if step_status in statuses:
                final = run_status
                break
        await self.repo.move_run(run.id, final, self.clock.now())

    # -- execution -----------------------------------------------------------------------------------

    async def _execute(self, run: RunRecord, step: StepRecord) -> StepStatus | None:
        risky = Risk(step.risk).needs_approval
        if risky and not await self._has_valid_approval(run, step):
            log.error("refused to execute step %s: no matching approval", step.id)
            await self._settle(run, step, StepStatus.FAILED, {"error": "not_approved"}, claimed=False)
            return StepStatus.FAILED
        expected = StepStatus.APPROVED if risky else StepStatus.PENDING
        now = self.clock.now()
        if not await self.repo.move_step(step.id, [expected], StepStatus.EXECUTING, started_at=now):
            return None  # someone else took it
        await self.audit.append("step.executing", at=now, run_id=run.id, tool=step.tool, step=step.id)
        tool = self.registry.get(step.tool)
        token = CURRENT_RUN.set(run)
        try:
            result = await tool.run(tool.args.model_validate(step.args))
        except ToolError as exc:
            CURRENT_RUN.reset(token)
            status = StepStatus.UNKNOWN if isinstance(exc, OutcomeUnknown) else StepStatus.FAILED
            await self._settle(run, step, status, exc.as_data(), message=str(exc))
            return status
        except Exception:
            CURRENT_RUN.reset(token)
            log.exception("tool %s crashed in run %s", step.tool, run.id)
            data = {"error": "internal", "message": f"`{step.tool}` failed unexpectedly."}
            await self._settle(run, step, StepStatus.FAILED, data, message=data["message"])
            return StepStatus.FAILED
        CURRENT_RUN.reset(token)
        await self._settle(run, step, StepStatus.SUCCEEDED, _result_data(result), result=result)
        for started in result.starts:
            await self.advance(started)
        return StepStatus.SUCCEEDED

    async def _settle(
        self,
        run: RunRecord,
        step: StepRecord,
        status: StepStatus,
        data: dict[str, Any],
        *,
        result: ToolResult | None = None,
        message: str | None = None,
        claimed: bool = True,
    ) -> None:
        now = self.clock.now()
        from_ = [StepStatus.EXECUTING] if claimed else [StepStatus.PENDING, StepStatus.APPROVED]
        if not await self.repo.move_step(step.id, from_, status, result=data, finished_at=now):
            return
        await self.audit.append("step.result", at=now, run_id=run.id, tool=step.tool, status=status.value, result=data)
        if Risk(step.risk).needs_approval:
            await self.cards.refresh_for_step(step.id, status=status.value, result=result, message=message)
        if result is not None:
            await self.post(run, result.text, self.messages.result(step.tool, result))
        elif status is StepStatus.UNKNOWN:
            text = message or "The outcome is unknown."
            await self.post(run, text, self.messages.unknown_outcome(step.id, step.tool, text))
        elif message is not None:
            await self.post(run, message, self.messages.error(message))
        if status is not StepStatus.SUCCEEDED and run.kind is RunKind.GRAMMAR:
            await self._finish(run)  # a command stops at its first failure; an agent hears about it instead

    async def mark_unknown(self, run: RunRecord, step: StepRecord, message: str) -> None:
        """A risky step whose outcome cannot be known: never retried blindly, a human decides."""
        await self._settle(run, step, StepStatus.UNKNOWN, {"error": "unknown", "message": message}, message=message)

    async def _has_valid_approval(self, run: RunRecord, step: StepRecord) -> bool:
        approval = await self.repo.approval_for_step(step.id)
        if approval is None or approval.status != ApprovalStatus.APPROVED.value:
            return False
        expected = action_hash(tool=step.tool, args=step.args, requester=run.actor, team_id=run.team_id)
        if approval.action_hash != expected:
            return False
        if approval.decided_at is None or approval.decided_at > approval.expires_at:
            return False
        return quorum_met(approval, await self.repo.decisions_of(approval.id))

    # -- approval requests ---------------------------------------------------------------------------

    async def _request_approval(self, run: RunRecord, step: StepRecord) -> bool:
        """Post the approval card; True if the step ended instead (refused here, or its preview failed)."""
        tool = self.registry.get(step.tool)
        try:
            preview = await tool.preview(tool.args.model_validate(step.args)) if tool.preview else default_preview(step)
        except ToolError as exc:
            await self._settle(run, step, StepStatus.FAILED, exc.as_data(), message=str(exc), claimed=False)
            return True
        now = self.clock.now()
        rules = await self.config.policy.rules_for(step.tool, step.args, run.channel)
        refusal = await self.config.policy.refusal(step.tool, rules, run.channel)
        if refusal is not None:
            data = {"error": "not_allowed_here", "message": refusal}
            await self._settle(run, step, StepStatus.FAILED, data, message=refusal, claimed=False)
            return True
        approval = ApprovalRecord(
            id=new_id(),
            run_id=run.id,
            step_id=step.id,
            team_id=run.team_id,
            channel=run.channel,
            thread_ts=run.thread_ts,
            requester=run.actor,
            action_hash=action_hash(tool=step.tool, args=step.args, requester=run.actor, team_id=run.team_id),
            status=ApprovalStatus.PENDING,
            required=rules.required,
            approvers=tuple(rules.approvers),
            preview=preview_to_dict(preview),
            expires_at=rules.expires_at(now),
            created_at=now,
            requester_may_approve=rules.requester_may_approve,
            rule=rules.rule,
            remind_at=rules.remind_at(now),
            escalate_to=tuple(rules.escalate_to),
        )
        if not await self.repo.move_step(step.id, [StepStatus.PENDING], StepStatus.WAITING_APPROVAL):
            return False
        await self.repo.create_approval(approval)
        await self.repo.move_run(run.id, RunStatus.WAITING_APPROVAL, now)
        await self.audit.append(
            "approval.requested",
            at=now,
            run_id=run.id,
            actor=run.actor,
            approval=approval.id,
            tool=step.tool,
        )
        await self.cards.post_new(run, approval.id, thread_poster=self.post)
        return False

    async def post(self, run: RunRecord, text: str, blocks: list[dict[str, Any]]) -> str:
        return await self.poster.post(run, text, blocks)


def trigger_of(event: Event) -> dict[str, Any]:
    """What started a run, for its first audit row."""
    return {"source": event.source.value, "type": event.type, "channel": event.channel, "text": event.text}


def run_row(
    run_id: str,
    event: Event,
    *,
    inbox_id: int | None,
    thread_ts: str | None,
    now: datetime,
    kind: RunKind = RunKind.GRAMMAR,
    state: dict[str, Any] | None = None,
    status: RunStatus = RunStatus.RUNNING,
) -> RunRecord:
    """A new run for this event: a command, the AI agent or a runbook."""
    return RunRecord(
        id=run_id,
        inbox_id=inbox_id,
        source=event.source.value,
        team_id=event.team_id,
        actor=event.actor,
        channel=event.channel,
        thread_ts=thread_ts,
        text=event.text,
        status=status,
        created_at=now,
        updated_at=now,
        kind=kind,
        state=state,
    )


def default_preview(step: StepRecord) -> Preview:
    return Preview(title=step.tool, fields=tuple((k, str(v)) for k, v in step.args.items()))


def _result_data(result: ToolResult) -> dict[str, Any]:
    return {"text": result.text, "data": result.data, "link": result.link}
