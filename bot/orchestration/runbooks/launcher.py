"""Starting a runbook: find it, coerce its inputs, create its run (the runner then drives it through the engine)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.clock import Clock
from bot.core.domain import Event, RunKind, Source
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Audit, Store
from bot.core.runbook_model import Runbook
from bot.core.runbook_state import RunbookState
from bot.core.suggest import did_you_mean
from bot.core.tool_registry import CURRENT_RUN
from bot.orchestration.agent.progress import Progress
from bot.orchestration.run_builders import new_id, run_row, trigger_of
from bot.orchestration.runbooks.inputs import coerce_inputs


def find_book(books: Mapping[str, Runbook], name: str) -> Runbook:
    if name not in books:
        hint = did_you_mean(name, books, limit=2)
        raise UserFacingError(
            f"There is no runbook called `{name}`.",
            hint=("Did you mean " + " or ".join(f"`{h}`" for h in hint) + "? " if hint else "")
            + "`/ops runbooks` lists them.",
        )
    return books[name]


class RunbookLauncher:
    def __init__(
        self, *, repo: Store, audit: Audit, clock: Clock, books: Mapping[str, Runbook], progress: Progress
    ) -> None:
        self.repo, self.audit, self.clock, self.progress = repo, audit, clock, progress
        self.books = dict(books)

    async def start(
        self, name: str, raw_inputs: JsonObject, *, event: Event, inbox_id: int | None, thread_ts: str | None
    ) -> str:
        """The new run's id; the caller has the runner drive it."""
        book = find_book(self.books, name)
        if book.unavailable:
            raise UserFacingError(f"Runbook `{name}` can't run here: it {book.unavailable}.")
        inputs = coerce_inputs(book.spec, raw_inputs)
        now = self.clock.now()
        state = RunbookState(runbook=name, inputs=inputs).stored()
        run_id = new_id()
        run = run_row(run_id, event, inbox_id=inbox_id, thread_ts=thread_ts, now=now, kind=RunKind.RUNBOOK, state=state)
        await self.repo.create_run(run, [])
        await self.audit.append(
            "runbook.started",
            at=now,
            run_id=run_id,
            actor=event.actor,
            runbook=name,
            inputs=inputs,
            trigger=trigger_of(event),
        )
        await self.progress.begin(run)
        return run_id

    async def start_from_tool(self, name: str, inputs: JsonObject) -> tuple[str, str]:
        """`run_runbook` called from another run (the agent, a rule): same requester, channel and thread.
        Returns what to say and the new run's id (the tool's result names it, so the runner drives it)."""
        parent = CURRENT_RUN.get()
        if parent is None:
            raise UserFacingError("`run_runbook` can only be called from a run.")
        event = Event(
            source=Source(parent.source),
            type="run_runbook",
            dedupe_key=f"runbook:{new_id()}",
            team_id=parent.team_id,
            actor=parent.actor,
            channel=parent.channel,
            text=f"run {name}",
            user_team_id=parent.actor_team_id,
        )
        run_id = await self.start(name, inputs, event=event, inbox_id=None, thread_ts=parent.thread_ts)
        where = "in this thread" if parent.thread_ts else "in its own thread"  # a slash command's run has none
        return f"Started runbook *{name}* (run `{run_id[:8]}`); it reports {where}.", run_id
