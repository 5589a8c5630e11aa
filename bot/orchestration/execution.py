"""One step at a time: run a read, stop a risky step behind an approval request, run an approved one exactly once
(the claim is a compare-and-set), and settle it with its result, card and thread message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.approvals.click_checks import action_hash, counted_approvers, quorum_met
from bot.core import metrics
from bot.core.approval_rules import ApprovalRules, Asker
from bot.core.card_view import preview_to_dict
from bot.core.claims import Claims
from bot.core.clock import Clock
from bot.core.domain import (
    ApprovalCase,
    ApprovalRecord,
    ApprovalStatus,
    RunKind,
    RunRecord,
    RunStatus,
    StepRecord,
    StepStatus,
)
from bot.core.errors import NotInChannel, OutcomeUnknown, ToolError, UserFacingError
from bot.core.ports import Audit, Blocks, Messages, PolicyPort, Store, ThreadKeys
from bot.core.spans import span
from bot.core.tool_registry import APPROVED_BY, CURRENT_RUN, Risk, ToolRegistry, ToolResult
from bot.orchestration.cards import Cards
from bot.orchestration.run_builders import default_preview, new_id, result_data
from bot.orchestration.thread_poster import ThreadPoster

log = logging.getLogger(__name__)


class AskPolicy(Protocol):
    """Who may ask for an action (bot.approvals.resolved_policy.ResolvedPolicy): the refusal to tell them, or None."""

    async def ask_refusal(self, tool: str, rules: ApprovalRules, asker: Asker, *, risky: bool) -> str | None: ...


@dataclass(frozen=True, kw_only=True)
class RunnerConfig:
    """`askers` checks who may ask before every step of a person's run runs or is carded (None: not checked).
    `claims`: this process's name on the steps it executes, whose heartbeat it renews (None: no heartbeat, and a
    step cut off is found by `execution_timeout` only); a step whose heartbeat is older than `heartbeat_timeout`
    was cut off (bot.orchestration.recovery)."""

    policy: PolicyPort
    execution_timeout: timedelta = timedelta(minutes=10)
    askers: AskPolicy | None = None
    claims: Claims | None = None
    heartbeat_timeout: timedelta = timedelta(seconds=30)
    thread_keys: ThreadKeys | None = None  # where a result's `threads` keys are pointed at its run's thread


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How a step ended (None: another worker has it), and the runs its tool started."""

    status: StepStatus | None
    starts: tuple[str, ...] = field(default=())
    threads: tuple[str, ...] = field(default=())


Finish = Callable[[RunRecord], Awaitable[None]]


@contextmanager
def calling(run: RunRecord, approvers: tuple[str, ...]) -> Iterator[None]:
    """While a tool runs: the run it belongs to and who approved it (bot.core.tool_registry)."""
    run_token, approvers_token = CURRENT_RUN.set(run), APPROVED_BY.set(approvers)
    try:
        yield
    finally:
        APPROVED_BY.reset(approvers_token)
        CURRENT_RUN.reset(run_token)


class Execution:
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
        finish: Finish,
    ) -> None:
        self.repo, self.audit, self.registry, self.poster, self.cards = repo, audit, registry, poster, cards
        self.messages, self.clock, self.config, self.finish = messages, clock, config, finish

    async def execute(self, run: RunRecord, step: StepRecord, case: ApprovalCase | None = None) -> Outcome:
        """Run the step's tool once. A risky step runs only with a valid approval: the one in `case` when the caller
        has just decided it (a click), else the stored one."""
        risky = Risk(step.risk).needs_approval
        if not risky and await self._refused_asker(run, step):
            return Outcome(status=StepStatus.FAILED)
        approvers = await self._valid_approvers(run, step, case) if risky else ()
        if approvers is None:
            log.error("refused to execute step %s: no matching approval", step.id)
            metrics.tool_refused(step.tool)
            await self.settle(run, step, StepStatus.FAILED, {"error": "not_approved"}, claimed=False)
            return Outcome(status=StepStatus.FAILED)
        expected = StepStatus.APPROVED if risky else StepStatus.PENDING
        now = self.clock.now()
        claim = {} if self.config.claims is None else {"claimed_by": self.config.claims.name, "heartbeat_at": now}
        if not await self.repo.move_step(step.id, [expected], StepStatus.EXECUTING, started_at=now, **claim):
            return Outcome(status=None)  # someone else took it
        await self.audit.append("step.executing", at=now, run_id=run.id, tool=step.tool, step=step.id)
        tool = self.registry.get(step.tool)
        attributes = {"opsbot.run_id": run.id, "opsbot.step_id": step.id, "opsbot.tool": step.tool}
        try:  # a ToolError or a crash: on the span
            with span(f"tool {step.tool}", attributes), self._heartbeat(step), calling(run, approvers):
                result = await metrics.tool_call(step.tool, lambda: tool.run(tool.args.model_validate(step.args)))
        except ToolError as exc:
            status = StepStatus.UNKNOWN if isinstance(exc, OutcomeUnknown) else StepStatus.FAILED
            await self.settle(run, step, status, exc.as_data(), message=str(exc), case=case)
            return Outcome(status=status)
        except UserFacingError as exc:  # a tool refusing in words (`run_runbook` of a runbook there is not): no crash
            data = {"error": "refused", "message": exc.message, **({"hint": exc.hint} if exc.hint else {})}
            await self.settle(run, step, StepStatus.FAILED, data, message=str(exc), case=case)
            return Outcome(status=StepStatus.FAILED)
        except asyncio.CancelledError:  # a draining process stops: a read can run again, elsewhere
            if not risky:  # a risky call may have reached the service: it stays `executing`, then `unknown`
                await asyncio.shield(self.repo.move_step(step.id, [StepStatus.EXECUTING], StepStatus.PENDING))
            raise
        except Exception:
            log.exception("tool %s crashed in run %s", step.tool, run.id)
            data = {"error": "internal", "message": f"`{step.tool}` failed unexpectedly."}
            await self.settle(run, step, StepStatus.FAILED, data, message=data["message"], case=case)
            return Outcome(status=StepStatus.FAILED)
        await self.settle(run, step, StepStatus.SUCCEEDED, result_data(result), result=result, case=case)
        return Outcome(status=StepStatus.SUCCEEDED, starts=result.starts, threads=result.threads)

    def _heartbeat(self, step: StepRecord) -> AbstractContextManager[None]:
        """While the tool runs, this process's heartbeat keeps the step's claim alive."""
        return nullcontext() if self.config.claims is None else self.config.claims.executing(step.id)

    async def settle(
        self,
        run: RunRecord,
        step: StepRecord,
        status: StepStatus,
        data: Mapping[str, object],
        *,
        result: ToolResult | None = None,
        message: str | None = None,
        claimed: bool = True,
        case: ApprovalCase | None = None,
    ) -> None:
        now = self.clock.now()
        from_ = [StepStatus.EXECUTING] if claimed else [StepStatus.PENDING, StepStatus.APPROVED]
        if not await self.repo.move_step(step.id, from_, status, result=dict(data), finished_at=now):
            return
        log.info("tool %s %s (step %s)", step.tool, status.value, step.id)  # the run's id is on the line (log_context)
        await self.audit.append("step.result", at=now, run_id=run.id, tool=step.tool, status=status.value, result=data)
        if Risk(step.risk).needs_approval:
            await self.cards.show_outcome(case, step.id, status=status.value)
        if result is not None:
            await self.post(run, result.text, self.messages.result(step.tool, result))
        elif status is StepStatus.UNKNOWN:
            text = message or "The outcome is unknown."
            await self.post(run, text, self.messages.unknown_outcome(step.id, step.tool, text))
        elif message is not None:
            await self.post(run, message, self.messages.error(message))
        if status is not StepStatus.SUCCEEDED and run.kind is RunKind.GRAMMAR:
            await self.finish(run)  # a command stops at its first failure; an agent hears about it instead

    async def mark_unknown(self, run: RunRecord, step: StepRecord, message: str) -> None:
        """A risky step whose outcome cannot be known: never retried blindly, a human decides."""
        await self.settle(run, step, StepStatus.UNKNOWN, {"error": "unknown", "message": message}, message=message)

    async def _valid_approvers(
        self, run: RunRecord, step: StepRecord, case: ApprovalCase | None
    ) -> tuple[str, ...] | None:
        """Who approved the step, when the approval is valid for it (None: it is not)."""
        if case is not None and case.approval.step_id == step.id:
            approval, decisions = case.approval, list(case.decisions)
        else:
            found = await self.repo.approval_for_step(step.id)
            if found is None:
                return None
            approval, decisions = found, await self.repo.decisions_of(found.id)
        if approval.status is not ApprovalStatus.APPROVED:
            return None
        expected = action_hash(tool=step.tool, args=step.args, requester=run.actor, team_id=run.team_id)
        if approval.action_hash != expected:
            return None
        if approval.decided_at is None or approval.decided_at > approval.expires_at:
            return None
        if not quorum_met(approval, decisions):
            return None
        counted = counted_approvers(approval, decisions)
        return tuple(d.user_id for d in sorted(decisions, key=lambda d: d.created_at) if d.user_id in counted)

    async def _refused_asker(self, run: RunRecord, step: StepRecord, rules: ApprovalRules | None = None) -> bool:
        """The one requester check, for every tool whatever planned it (a command, the agent, a runbook): before a
        read runs and before a risky step's card is posted (so its preview reads nothing for someone who may not
        ask). Runs a rules file starts (webhooks, alerts, probes) were asked for by its author; MCP: the token's."""
        if self.config.askers is None or not (run.source.startswith("slack.") or run.source == "mcp"):
            return False
        if rules is None:
            rules = await self.config.policy.rules_for(step.tool, step.args, run.channel)
        asker = Asker(user=run.actor, channel=run.channel, team_id=run.actor_team_id)
        refusal = await self.config.askers.ask_refusal(step.tool, rules, asker, risky=Risk(step.risk).needs_approval)
        if refusal is None:
            return False
        log.info("refused step %s (%s) of run %s: %s may not ask for it", step.id, step.tool, run.id, run.actor)
        metrics.tool_refused(step.tool)
        data = {"error": "not_allowed_to_ask", "message": refusal, "rule": rules.rule}
        await self.settle(run, step, StepStatus.FAILED, data, message=refusal, claimed=False)
        return True

    async def request_approval(self, run: RunRecord, step: StepRecord) -> bool:
        """Post the approval card; True if the step ended instead (refused here, or its preview failed)."""
        rules = await self.config.policy.rules_for(step.tool, step.args, run.channel)
        if await self._refused_asker(run, step, rules):
            return True
        tool = self.registry.get(step.tool)
        try:
            preview = await tool.preview(tool.args.model_validate(step.args)) if tool.preview else default_preview(step)
        except ToolError as exc:
            await self.settle(run, step, StepStatus.FAILED, exc.as_data(), message=str(exc), claimed=False)
            return True
        now = self.clock.now()
        refusal = await self.config.policy.refusal(step.tool, rules, run.channel)
        if refusal is not None:
            data = {"error": "not_allowed_here", "message": refusal}
            metrics.tool_refused(step.tool)
            await self.settle(run, step, StepStatus.FAILED, data, message=refusal, claimed=False)
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
            external_users=rules.external_users,
        )
        if not await self.repo.move_step(step.id, [StepStatus.PENDING], StepStatus.WAITING_APPROVAL):
            return False
        await self.repo.create_approval(approval)
        metrics.APPROVALS_REQUESTED.inc()
        await self.repo.move_run(run.id, RunStatus.WAITING_APPROVAL, now)
        await self.audit.append(
            "approval.requested",
            at=now,
            run_id=run.id,
            actor=run.actor,
            approval=approval.id,
            tool=step.tool,
        )
        try:
            case = ApprovalCase(approval=approval, run=run, steps=(step,))
            await self.cards.post_new(case, thread_poster=self.poster.post_card)  # nobody could decide privately
        except NotInChannel:
            await self._withdraw(run, step, approval)
            raise
        return False

    async def _withdraw(self, run: RunRecord, step: StepRecord, approval: ApprovalRecord) -> None:
        """Its card could not be posted (opsbot is not in the channel): nobody could approve it, so it ends now."""
        now = self.clock.now()
        await self.repo.move_approval(approval.id, ApprovalStatus.PENDING, ApprovalStatus.EXPIRED, now)
        data = {"error": "not_in_channel", "message": "The approval card could not be posted in the channel."}
        await self.repo.move_step(
            step.id, [StepStatus.WAITING_APPROVAL], StepStatus.FAILED, result=data, finished_at=now
        )
        await self.audit.append(
            "approval.withdrawn", at=now, run_id=run.id, approval=approval.id, reason="not_in_channel"
        )
        await self.finish(run)

    async def post(self, run: RunRecord, text: str, blocks: Blocks) -> str:
        return await self.poster.post(run, text, blocks)
