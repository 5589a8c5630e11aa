"""Runs: start one from a plan, and move it on — its steps one by one (commands) or all at once (the agent,
runbooks) — until nothing is left, asking its driver for more; then finish it from its steps' outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.clock import Clock
from bot.core.deploy_threads import JOIN_WITHIN
from bot.core.domain import ApprovalCase, Event, RunKind, RunRecord, RunStatus, StepRecord, StepStatus, ToolCall
from bot.core.drivers import Driver
from bot.core.jsonvalue import JsonObject
from bot.core.log_context import bind
from bot.core.ports import Audit, Blocks, Messages, Store
from bot.core.spans import span
from bot.core.tool_registry import Risk, ToolRegistry
from bot.core.transitions import FINAL_STEP
from bot.core.trigger_records import ThreadData
from bot.orchestration.cards import Cards
from bot.orchestration.execution import Execution, RunnerConfig
from bot.orchestration.run_builders import new_id, run_row, trigger_of
from bot.orchestration.thread_poster import ThreadPoster

__all__ = ["Runner", "RunnerConfig"]


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
        self.execution = Execution(
            repo=repo, audit=audit, registry=registry, poster=poster, cards=cards, messages=messages, clock=clock,
            config=config, finish=self._finish,
        )  # fmt: skip

    async def start(
        self,
        event: Event,
        calls: Sequence[ToolCall],
        *,
        inbox_id: int | None,
        thread_ts: str | None,
        state: JsonObject | None = None,
    ) -> str:
        """A run of `calls`, moved on at once; `state` is kept with it (an MCP client's name and token)."""
        now = self.clock.now()
        run_id = new_id()
        run = run_row(run_id, event, inbox_id=inbox_id, thread_ts=thread_ts, now=now, state=state)
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

    async def advance(self, run_id: str, *, case: ApprovalCase | None = None) -> None:
        with bind(run_id=run_id):  # every line logged on the way carries it: a start, a click, a timer, a retry
            await self._advance(run_id, case=case)

    async def _advance(self, run_id: str, *, case: ApprovalCase | None = None) -> None:
        """Move a run on: a command's steps one by one (stopping at a failure); an agent's tool calls all at
        once (reads run, risky ones post cards); when nothing is left, finish — or ask its driver for more.

        `case` is what a click just decided (the run, its steps, the approval): the first round starts from it
        instead of reading them again."""
        run: RunRecord | None = case.run if case is not None else None
        all_steps: Sequence[StepRecord] | None = case.steps if case is not None else None
        while True:
            if run is None:
                run = await self.repo.run(run_id)
                if run is None or run.status is RunStatus.QUEUED:
                    return
            if all_steps is None:
                all_steps = await self.repo.steps_of(run_id)
            open_steps = [s for s in all_steps if s.status not in FINAL_STEP]
            driver = self.drivers.get(run.kind)
            if not open_steps and driver is None:
                await self._finish(run, all_steps)
                return
            all_steps = None  # whatever happens next, the steps are read again
            if open_steps:
                todo = open_steps if run.kind is not RunKind.GRAMMAR else open_steps[:1]
                if any([await self._step_once(run, step, case) for step in todo]):
                    case = None
                    continue
                if driver is None or not driver.eager:
                    return  # waiting: for approvals, or for a step another worker runs
            assert driver is not None
            with span("plan.turn", {"opsbot.run_id": run_id, "opsbot.run_kind": run.kind.value}):
                turn = await driver.next_turn(run_id)  # it may start more steps while others still wait
            for started in turn.start:
                await self.advance(started)
            if not turn.more:
                return
            run, case = None, None  # the driver may have moved the run

    async def resume_stalled(self) -> None:
        """Periodic: runs a crash left between turns, or whose retry is due, go on (any replica may call it)."""
        for kind in self.drivers:
            for run in await self.repo.stalled_runs(kind, self.clock.now()):
                await self.advance(run.id)

    async def _step_once(self, run: RunRecord, step: StepRecord, case: ApprovalCase | None) -> bool:
        """Do what this step allows now; True when it reached a final state (so the run may move on)."""
        status = StepStatus(step.status)
        if status is StepStatus.PENDING and Risk(step.risk).needs_approval:
            return await self.execution.request_approval(run, step)
        if status is StepStatus.PENDING or status is StepStatus.APPROVED:
            outcome = await self.execution.execute(run, step, case)
            if outcome.threads:
                await self._remember_thread(run.id, outcome.threads)
            for started in outcome.starts:
                await self.advance(started)
            return outcome.status is StepStatus.SUCCEEDED or (
                outcome.status is not None and run.kind is not RunKind.GRAMMAR
            )
        return False

    async def _remember_thread(self, run_id: str, keys: Sequence[str]) -> None:
        """The keys a result names find this run's thread (and who asked) for a while: a dispatched deploy's gate."""
        run = await self.repo.run(run_id)  # its thread may have started with the result just posted
        if self.config.thread_keys is None or run is None or not run.channel or not run.thread_ts:
            return
        now = self.clock.now()
        until = (now + JOIN_WITHIN).isoformat()
        for key in keys:
            data: ThreadData = {"alias_of": f"run:{run.id}", "requested": {"by": run.actor, "until": until}}
            await self.config.thread_keys.point_thread(key, channel=run.channel, thread_ts=run.thread_ts, data=data,
                                                       now=now)  # fmt: skip

    async def _finish(self, run: RunRecord, all_steps: Sequence[StepRecord] | None = None) -> None:
        statuses = {s.status for s in (all_steps if all_steps is not None else await self.repo.steps_of(run.id))}
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

    async def mark_unknown(self, run: RunRecord, step: StepRecord, message: str) -> None:
        with bind(run_id=run.id):
            await self.execution.mark_unknown(run, step, message)

    async def post(self, run: RunRecord, text: str, blocks: Blocks) -> str:
        return await self.poster.post(run, text, blocks)
