"""The inbox worker: accept an event (one INSERT, before the ack), then claim and handle it after the ack."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.domain import Event
from bot.core.metrics import METRICS
from bot.store.repository import Repository

log = logging.getLogger(__name__)

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
            METRICS.inc("opsbot_inbox_duplicates_total")
            return False
        METRICS.inc("opsbot_inbox_accepted_total")
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
        try:
            await self.handler(inbox_id, event, attempt)
        except Exception as exc:
            log.exception("inbox item %s (%s) failed", inbox_id, event.type)
            METRICS.inc("opsbot_inbox_failed_total")
            await self.repo.finish(inbox_id, self.name, self.clock.now(), error=type(exc).__name__)
            return
        await self.repo.finish(inbox_id, self.name, self.clock.now())

    async def sweep(self) -> int:
        """Take up what is pending, or was left by a crashed worker whose lease ran out. Returns the count."""
        ids = await self.repo.claimable_ids(self.clock.now())
        for inbox_id in ids:
            self.submit(inbox_id)
        await self.drain()
        return len(ids)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

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
