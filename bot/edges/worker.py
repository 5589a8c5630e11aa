"""The inbox worker: accept an event (one INSERT, before the ack), then claim and handle it after the ack.

Work holds a short lease (30 s) that one heartbeat task renews every third of it, for every inbox item this process
handles and every step it executes (bot.core.claims); a process that dies stops renewing, and any replica's next
sweep takes its events up once their leases have run out. The sweeper runs on its own schedule and never waits for
the work it started. Leases are compared on the database's clock (bot.store.db_clock, passed in as `clock`)."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot.core import metrics
from bot.core.claims import Claims
from bot.core.clock import Clock
from bot.core.domain import Event
from bot.core.log_context import bind
from bot.core.spans import record_failure, root_span
from bot.store.repository import Repository

log = logging.getLogger(__name__)

CANCEL_GRACE = 2.0  # seconds a cancelled task gets to settle its step before the process goes on stopping
LEASE = timedelta(seconds=30)
MAX_RUNNING = 100  # a sweep takes up no more than this many events at once, with those running already

Handler = Callable[[int, Event, int], Awaitable[None]]  # inbox id, event, attempt (1 = first)


class Worker:
    @staticmethod
    def new_name() -> str:
        """This process's name in leases and claims: host and a random suffix."""
        return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"

    def __init__(
        self,
        *,
        repo: Repository,
        handler: Handler,
        clock: Clock,
        lease: timedelta = LEASE,
        claims: Claims | None = None,
    ) -> None:
        self.repo = repo
        self.handler = handler
        self.clock = clock
        self.lease = lease
        self.claims = claims or Claims(self.new_name())  # shared with the execution: the steps it runs
        self.name = self.claims.name
        self.paused = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._submitted: set[int] = set()  # inbox ids with a task here (a sweep does not take them again)
        self._holding: set[int] = set()  # inbox ids claimed and being handled here: their leases are renewed
        self._sweeper: asyncio.Task[None] | None = None
        self._heart: asyncio.Task[None] | None = None

    @property
    def heartbeat_every(self) -> float:
        """Seconds between two renewals: a third of the lease, so two missed beats still leave it held."""
        return self.lease.total_seconds() / 3

    async def accept(self, event: Event) -> bool:
        """Store the event once; start its work in the background. False for a duplicate (already stored)."""
        now = self.clock.now()
        claim = None if self.paused else (self.name, now + self.lease)
        inbox_id = await self.repo.accept(event, now, claim_for=claim)
        if inbox_id is None:
            metrics.INBOX_EVENTS.labels(event.source.value, "duplicate").inc()
            return False
        metrics.INBOX_EVENTS.labels(event.source.value, "accepted").inc()
        if claim is not None:
            self._spawn(self._handle(inbox_id, event, 1), inbox_id)
        return True

    def submit(self, inbox_id: int) -> None:
        self._spawn(self.process(inbox_id), inbox_id)

    def _spawn(self, work: Coroutine[Any, Any, None], inbox_id: int) -> None:
        task = asyncio.create_task(work, name=f"inbox-{inbox_id}")
        self._tasks.add(task)
        self._submitted.add(inbox_id)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._submitted.discard(inbox_id)

        task.add_done_callback(done)

    async def process(self, inbox_id: int) -> None:
        now = self.clock.now()
        claimed = await self.repo.claim(inbox_id, self.name, now, now + self.lease)
        if claimed is None:
            return
        await self._handle(inbox_id, *claimed)

    async def _handle(self, inbox_id: int, event: Event, attempt: int) -> None:
        """One trace per event, and its ids on every log line of the work (tasks started here inherit both). Its
        lease is renewed by the heartbeat until it is finished (or the task is cancelled)."""
        ids = {"opsbot.event_id": event.dedupe_key, "opsbot.team": event.team_id, "opsbot.source": event.source.value}
        self._holding.add(inbox_id)
        with (
            bind(event_id=event.dedupe_key, inbox_id=inbox_id, team=event.team_id),
            root_span(f"inbox {event.type}", {**ids, "opsbot.inbox_id": inbox_id, "opsbot.attempt": attempt}) as span,
        ):
            error: str | None = None
            try:
                await self.handler(inbox_id, event, attempt)
            except Exception as exc:
                log.exception("inbox item %s (%s) failed", inbox_id, event.type)
                record_failure(span, exc)
                error = type(exc).__name__
            finally:
                self._holding.discard(inbox_id)  # before `finish`: a renewal meanwhile is no lost lease
            metrics.INBOX_HANDLED.labels(event.source.value, "failed" if error else "ok").inc()
            await self.repo.finish(inbox_id, self.name, self.clock.now(), error=error)

    async def sweep(self) -> int:
        """Take up what is pending, or was left by a dead worker whose lease ran out: each gets a task of its own
        and the sweep returns at once, never waiting for work (`drain` does). Returns how many were submitted."""
        room = MAX_RUNNING - len(self._submitted)
        if room <= 0:
            return 0
        found = await self.repo.claimable_ids(self.clock.now(), limit=room + len(self._submitted))
        ids = [inbox_id for inbox_id in found if inbox_id not in self._submitted][:room]
        for inbox_id in ids:
            self.submit(inbox_id)
        return len(ids)

    async def heartbeat(self) -> None:
        """One renewal: the leases of the inbox items handled here, the heartbeats of the steps executing here. A
        lease another worker took meanwhile (this one was too slow to renew it) is said once and no longer renewed;
        the work goes on, and the step claims keep a step from running twice."""
        inbox_ids, step_ids = set(self._holding), set(self.claims.steps())
        if not inbox_ids and not step_ids:
            return
        now = self.clock.now()
        lost_items, lost_steps = await self.repo.renew(
            self.name, now, now + self.lease, inbox_ids=inbox_ids, step_ids=step_ids
        )
        lost_items &= self._holding  # not those finished meanwhile
        lost_steps = {step_id for step_id in lost_steps if self.claims.is_executing(step_id)}
        if lost_items:
            log.warning("lost the lease of inbox item(s) %s to another worker", sorted(lost_items))
            self._holding -= lost_items
        if lost_steps:
            log.warning("step(s) %s were taken over by another worker", sorted(lost_steps))

    async def drain(self) -> None:
        """Wait for every running task (tests, and after a sweep when needed): see `finish_within` for a shutdown."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def pause(self) -> None:
        """A draining process: new events are still stored, but left for another replica's sweep; no more sweeps."""
        self.paused = True
        if self._sweeper is not None:
            self._sweeper.cancel()

    async def finish_within(self, seconds: float, *, cut_short: asyncio.Event | None = None) -> int:
        """Let running work go on for up to `seconds`, then cancel what is left and give its events back: their
        leases are released, so any replica's next sweep takes them up. Returns how many were given back."""
        self.pause()
        if self._tasks and seconds > 0:
            await self._wait_for_work(seconds, cut_short)
        left = list(self._tasks)
        for task in left:
            task.cancel()  # a read step cut off goes back to pending (bot/orchestration/execution.py)
        if left:
            await asyncio.wait(left, timeout=CANCEL_GRACE)
        await self._stop_heart()
        try:
            released = await self.repo.release_claims(self.name)
        except Exception:  # the database is gone too: the leases run out on their own
            log.warning("could not give back %s unfinished inbox item(s); their leases will run out", len(left))
            return 0
        if released:
            log.info("gave back %s unfinished inbox item(s) for another replica", released)
        return released

    async def _wait_for_work(self, seconds: float, cut_short: asyncio.Event | None) -> None:
        """Until every running task is done, `seconds` have passed, or `cut_short` is set (the tasks go on)."""
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(asyncio.wait(set(self._tasks), timeout=seconds))}
        if cut_short is not None:
            waits.add(asyncio.ensure_future(cut_short.wait()))
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    def start(self, interval: float = 15.0) -> None:
        """The sweeper, every `interval` seconds, and the heartbeat, every third of the lease: two tasks of their
        own, so a busy worker still sweeps and still renews."""
        self._sweeper = asyncio.create_task(self._sweep_forever(interval), name="inbox-sweeper")
        self._heart = asyncio.create_task(self._beat_forever(), name="inbox-heartbeat")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        await self.drain()
        await self._stop_heart()

    async def _stop_heart(self) -> None:
        if self._heart is not None:
            self._heart.cancel()
            await asyncio.gather(self._heart, return_exceptions=True)
            self._heart = None

    async def _sweep_forever(self, interval: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("inbox sweep failed")
            await asyncio.sleep(interval)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_every)
            try:
                await self.heartbeat()
            except Exception:  # the database is away: the next beat tries again, the lease still has two left
                log.warning("heartbeat failed", exc_info=True)
