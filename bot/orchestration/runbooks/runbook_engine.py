"""Run a runbook durably: one cursor in the run's state, tool calls as steps the runner gates and executes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Final, Literal

from pydantic import JsonValue

from bot.core.clock import Clock
from bot.core.domain import RunRecord, RunStatus, StepRecord, StepStatus
from bot.core.drivers import Turn
from bot.core.durations import parse_duration
from bot.core.errors import InvalidArguments
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Audit, Messages, Store
from bot.core.runbook_model import Runbook, StepSpec
from bot.core.runbook_state import Batch, Failure, RunbookState
from bot.core.tool_registry import ToolRegistry
from bot.core.transitions import FINAL_STEP
from bot.orchestration.agent.progress import Progress
from bot.orchestration.run_builders import new_id
from bot.orchestration.runbooks.launcher import find_book
from bot.orchestration.runbooks.loader import GATE_TOOL
from bot.orchestration.runbooks.templates import TemplateProblem, condition, render
from bot.orchestration.thread_poster import ThreadPoster

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
WAIT: Final = "wait"
NEXT: Final = "next"
Outcome = Literal["wait", "next"] | list[StepRecord] | Failure  # what one step of the cursor did


class RunbookEngine:
    """Drives runbook runs for the runner: after each finished step it moves the run's cursor and plans the next
    steps (a loop's next items, a retry once its backoff is over, `on_failure`)."""

    eager = True  # a loop with concurrency launches its next item as soon as one finishes

    def __init__(
        self,
        *,
        repo: Store,
        audit: Audit,
        registry: ToolRegistry,
        poster: ThreadPoster,
        messages: Messages,
        clock: Clock,
        books: Mapping[str, Runbook],
        progress: Progress,
    ) -> None:
        self.repo, self.audit, self.registry, self.clock = repo, audit, registry, clock
        self.poster, self.messages, self.progress = poster, messages, progress
        self.books = dict(books)

    def book(self, name: str) -> Runbook:
        return find_book(self.books, name)

    async def next_turn(self, run_id: str) -> Turn:
        """Move the cursor as far as it can go now. Any worker may call it; a lease keeps it to one at a time."""
        now = self.clock.now()
        if not await self.repo.claim_turn(run_id, now, now + LEASE):
            return Turn()
        try:
            run = await self.repo.run(run_id)
            if run is None or run.status not in (RunStatus.RUNNING, RunStatus.WAITING_APPROVAL):
                await self.repo.release_turn(run_id)
                return Turn()
            more = await self._drive(run, RunbookState.of(run.state), RunbookState.of(run.state))
            return Turn(more=more)
        except BaseException:  # a failure, or a draining process cancelling it: the next worker may take the turn
            await asyncio.shield(self.repo.release_turn(run_id))
            raise

    async def _drive(self, run: RunRecord, state: RunbookState, before: RunbookState) -> bool:
        """True when it planned new steps for the runner."""
        steps = {s.id: s for s in await self.repo.steps_of(run.id)}
        book = self.book(state.runbook)
        for _ in range(500):
            specs = book.spec.steps if state.phase == "steps" else book.spec.on_failure
            if state.cursor >= len(specs):
                await self._finish(run, state, book)
                return False
            spec = specs[state.cursor]
            try:
                outcome = await self._step(run, state, spec, steps)
            except (TemplateProblem, InvalidArguments) as exc:
                outcome = Failure(step=self._sid(state, spec), error=exc.kind, message=str(exc))
            if outcome == WAIT and state == before:
                await self.repo.release_turn(run.id)  # nothing changed: no write, no Slack update
                return False
            if outcome == WAIT:
                await self.repo.save_turn(run.id, state.stored(), [], self.clock.now())
                await self.progress.update(run, headline=self._headline(state, book))
                return False
            if isinstance(outcome, list):  # new steps to run
                await self.repo.save_turn(run.id, state.stored(), outcome, self.clock.now())
                await self.progress.update(run, headline=self._headline(state, book))
                return True
            if isinstance(outcome, Failure):
                if not self._fail(state, outcome):
                    await self._finish(run, state, book)
                    return False
                continue
            state.cursor += 1
        raise RuntimeError("runbook did not settle")  # a bug guard, not a user path

    def _sid(self, state: RunbookState, spec: StepSpec) -> str:
        return spec.id or f"{state.phase}_{state.cursor}"

    def _context(self, run: RunRecord, state: RunbookState, item: JsonValue = None) -> JsonObject:
        return {
            "inputs": state.inputs,
            "steps": state.results,
            "item": item,
            "error": state.failure.model_dump() if state.failure else None,
            "run": {"id": run.id, "actor": run.actor, "channel": run.channel},
        }

    async def _step(self, run: RunRecord, state: RunbookState, spec: StepSpec, steps: dict[str, StepRecord]) -> Outcome:
        sid = self._sid(state, spec)
        batch = state.batch
        if batch is None and spec.when and not condition(spec.when, self._context(run, state)):
            state.results[sid] = {"skipped": True}
            return NEXT
        if spec.notify is not None:
            text = str(render(spec.notify, self._context(run, state)))
            await self.poster.post(run, text, [])
            state.results[sid] = {"text": text}
            return NEXT
        if batch is None:
            return self._open_batch(run, state, spec, steps)
        return self._follow_batch(run, state, spec, batch, steps)

    def _open_batch(self, run: RunRecord, state: RunbookState, spec: StepSpec, steps: dict[str, StepRecord]) -> Outcome:
        items: list[JsonValue] = [None]
        if spec.for_each:
            found = render("{{ " + spec.for_each.strip().strip("{}").strip() + " }}", self._context(run, state))
            if not isinstance(found, list):
                raise TemplateProblem(f"`for_each` must give a list, not {type(found).__name__}")
            items = found
        if not items:
            state.results[self._sid(state, spec)] = []
            return NEXT
        state.batch = Batch(items=items, todo=list(range(len(items))))
        return self._launch(run, state, spec, state.batch, steps)

    def _launch(
        self, run: RunRecord, state: RunbookState, spec: StepSpec, batch: Batch, steps: dict[str, StepRecord]
    ) -> list[StepRecord]:
        room = spec.concurrency - len(batch.running)
        chosen, batch.todo = batch.todo[:room], batch.todo[room:]
        position = max((s.position for s in steps.values()), default=-1) + 1
        rows = []
        for offset, index in enumerate(chosen):
            row = self._row(run, state, spec, batch.items[index], position + offset)
            batch.running[str(index)] = row.id
            rows.append(row)
        return rows

    def _row(self, run: RunRecord, state: RunbookState, spec: StepSpec, item: JsonValue, position: int) -> StepRecord:
        ctx = self._context(run, state, item)
        if spec.approval is not None:
            tool, args = GATE_TOOL, {"message": str(render(spec.approval, ctx))}
        else:
            assert spec.tool is not None
            tool, args = spec.tool, render(spec.args, ctx)
        valid = self.registry.validate(tool, args).model_dump(mode="json")
        return StepRecord(
            id=new_id(),
            run_id=run.id,
            position=position,
            tool=tool,
            args=valid,
            risk=self.registry.risk_of(tool).value,
            status=StepStatus.PENDING,
        )

    def _follow_batch(
        self,
        run: RunRecord,
        state: RunbookState,
        spec: StepSpec,
        batch: Batch,
        steps: dict[str, StepRecord],
    ) -> Outcome:
        if state.retry_at is not None and state.retry_at > self.clock.now():
            return WAIT
        state.retry_at = None
        for index, step_id in list(batch.running.items()):
            step = steps.get(step_id)
            if step is None or step.status not in FINAL_STEP:
                continue
            del batch.running[index]
            if step.status is StepStatus.SUCCEEDED:
                batch.done[index] = step.result or {}
                continue
            problem = self._retry_or_fail(state, spec, batch, int(index), step)
            if problem is not None:
                return problem
        if batch.todo and len(batch.running) < spec.concurrency and state.retry_at is None:
            return self._launch(run, state, spec, batch, steps)
        if batch.running or batch.todo:
            return WAIT
        ordered = [batch.done[str(i)] for i in range(len(batch.items))]
        state.results[self._sid(state, spec)] = ordered if spec.for_each else ordered[0]
        state.batch = None
        return NEXT

    def _retry_or_fail(
        self, state: RunbookState, spec: StepSpec, batch: Batch, index: int, step: StepRecord
    ) -> Failure | None:
        """Retry only the error classes the step names, never an `unknown` outcome; else the runbook fails."""
        result = step.result or {}
        error = str(result.get("error", "failed"))
        retry = spec.retry
        if retry and step.status is StepStatus.FAILED and error in retry.on and batch.attempt < retry.count:
            batch.attempt += 1
            state.retry_at = self.clock.now() + parse_duration(retry.backoff) * batch.attempt
            batch.todo.insert(0, index)
            return None
        message = result.get("message", "")
        return Failure(step=self._sid(state, spec), tool=step.tool, error=error, message=str(message or ""))

    def _fail(self, state: RunbookState, failure: Failure) -> bool:
        """Switch to `on_failure`; False when already there (the runbook ends)."""
        state.batch, state.retry_at = None, None
        if state.phase == "on_failure" or state.failure is not None:
            state.failure = state.failure or failure
            state.cursor = 10**6
            return False
        state.phase, state.cursor, state.failure = "on_failure", 0, failure
        return True

    def _headline(self, state: RunbookState, book: Runbook) -> str:
        total = len(book.spec.steps)
        if state.phase != "steps":
            return f"⚠️ Runbook *{book.name}* failed; running its on_failure steps"
        return f"⏳ Runbook *{book.name}* — step {min(state.cursor + 1, total)} of {total}"

    async def _finish(self, run: RunRecord, state: RunbookState, book: Runbook) -> None:
        failed = state.failure is not None
        outputs: dict[str, JsonValue] = {}
        if not failed:
            try:
                outputs = {k: render(v, self._context(run, state)) for k, v in book.spec.outputs.items()}
            except TemplateProblem as exc:
                failed, state.failure = True, Failure(step="outputs", error=exc.kind, message=str(exc))
        state.outputs = outputs
        status = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
        now = self.clock.now()
        await self.repo.save_turn(run.id, state.stored(), [], now)
        await self.repo.move_run(run.id, status, now)
        text, blocks = self.messages.runbook_finished(book.name, state.failure, outputs)
        await self.poster.post(run, text, blocks)
        await self.progress.update(run, headline=("⚠️" if failed else "✅") + f" Runbook *{book.name}* finished")
        await self.audit.append("runbook.finished", at=now, run_id=run.id, status=status.value, outputs=outputs)
