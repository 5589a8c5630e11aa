"""The inbox worker: accept an event (one INSERT, before the ack), then claim and handle it after the ack."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot.core import metrics
from bot.core.clock import Clock
from bot.core.domain import Event
from bot.core.log_context import bind
from bot.core.spans import record_failure, root_span
from bot.store.repository import Repository

log = logging.getLogger(__name__)

CANCEL_GRACE = 2.0  # seconds a cancelled task gets to settle its step before the process goes on stopping

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
        lease: timedelta = timedelta(minutes=5),
        name: str | None = None,
    ) -> None:
        self.repo = repo
        self.handler = handler
        self.clock = clock
        self.lease = lease
        self.name = name or self.new_name()
        self.paused = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

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
        task.add_done_callback(self._tasks.discard)

    async def process(self, inbox_id: int) -> None:
        now = self.clock.now()
        claimed = await self.repo.claim(inbox_id, self.name, now, now + self.lease)
        if claimed is None:
            return
        await self._handle(inbox_id, *claimed)

    async def _handle(self, inbox_id: int, event: Event, attempt: int) -> None:
        """One trace per event, and its ids on every log line of the work (tasks started here inherit both)."""
        ids = {"opsbot.event_id": event.dedupe_key, "opsbot.team": event.team_id, "opsbot.source": event.source.value}
        with (
            bind(event_id=event.dedupe_key, inbox_id=inbox_id, team=event.team_id),
            root_span(f"inbox {event.type}", {**ids, "opsbot.inbox_id": inbox_id, "opsbot.attempt": attempt}) as span,
        ):
            try:
                await self.handler(inbox_id, event, attempt)
            except Exception as exc:
                log.exception("inbox item %s (%s) failed", inbox_id, event.type)
                record_failure(span, exc)
                metrics.INBOX_HANDLED.labels(event.source.value, "failed").inc()
                await self.repo.finish(inbox_id, self.name, self.clock.now(), error=type(exc).__name__)
                return
            metrics.INBOX_HANDLED.labels(event.source.value, "ok").inc()
            await self.repo.finish(inbox_id, self.name, self.clock.now())

    async def sweep(self) -> int:
        """Take up what is pending, or was left by a crashed worker whose lease ran out. Returns the count."""
        ids = await self.repo.claimable_ids(self.clock.now())
        for inbox_id in ids:
            self.submit(inbox_id)
        await self.drain()
        return len(ids)

    async def drain(self) -> None:
        """Wait for every running task (tests, and a sweep): see `finish_within` for a shutdown."""
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
        self._sweeper = asyncio.create_task(self._sweep_forever(interval), name="inbox-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        await self.drain()

    async def _sweep_forever(self, interval: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("inbox sweep failed")
            await asyncio.sleep(interval)
