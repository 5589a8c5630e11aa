"""GitHub calls side by side: a pool of PyGithub clients, one call per client at a time, and one pause for all.

PyGithub's Requester keeps one HTTP connection object per client, so a client must not serve two threads at once:
the pool hands each call a client of its own, up to `size` calls in flight (GitHub asks for at most 100 concurrent
requests per token). A client goes back to the pool when its thread has finished with it — not when the awaiting
task gives up (a cancelled await leaves the thread running) — so no two threads ever share one, and a hung call
keeps its slot until it ends (the HTTP timeout).

When GitHub says to slow down (a secondary limit's `Retry-After`, or the primary limit used up until
`x-ratelimit-reset`), the whole gateway pauses: every call waits until then instead of asking again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from github import Github

from bot.core.clock import Clock
from integrations.github.daemon_calls import in_daemon_thread

T = TypeVar("T")

DEFAULT_MAX_CONCURRENT_CALLS = 8


class ClientPool:
    """`await pool.run(fn)` runs the blocking `fn(client)` in a daemon thread with a client nobody else is using."""

    def __init__(self, make: Callable[[], Github], size: int = DEFAULT_MAX_CONCURRENT_CALLS) -> None:
        if size < 1:
            raise ValueError("a GitHub client pool needs room for at least one call")
        self.size = size
        self._make = make
        self._idle: list[Github] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)

    async def run(self, fn: Callable[[Github], T]) -> T:
        slots = self._semaphore()
        await slots.acquire()
        try:
            client = self._idle.pop() if self._idle else self._make()
        except BaseException:
            slots.release()
            raise

        def give_back() -> None:  # on the loop, once the thread has let go of the client
            self._idle.append(client)
            slots.release()

        return await in_daemon_thread(lambda: fn(client), name="opsbot-github", done=give_back)

    def _semaphore(self) -> asyncio.Semaphore:
        # an asyncio primitive belongs to one event loop; a gateway may outlive one (`opsbot check`, tests)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._slots = loop, asyncio.Semaphore(self.size)
        return self._slots


@dataclass(frozen=True)
class Quota:
    """The primary rate limit as GitHub's last answer to one client gave it (x-ratelimit-*; -1 before any)."""

    remaining: int
    limit: int
    reset: float  # epoch seconds

    @classmethod
    def of(cls, client: Github) -> Quota:
        remaining, limit = client.requester.rate_limiting
        return cls(remaining=remaining, limit=limit, reset=float(client.requester.rate_limiting_resettime))


class RateLimitPause:
    """Until when GitHub asked the whole gateway to wait; only pauses the gateway would wait out are kept."""

    def __init__(self, clock: Clock, max_wait: float) -> None:
        self.clock = clock
        self.max_wait = max_wait
        self.until: datetime | None = None

    def note(self, wait: float) -> bool:
        """GitHub asked for `wait` seconds: pause every call that long when it is short enough to wait out."""
        if wait > self.max_wait:
            return False
        until = self.clock.now() + timedelta(seconds=wait)
        if self.until is None or until > self.until:
            self.until = until
        return True

    def note_quota(self, quota: Quota) -> None:
        """After an answer that used up the primary limit (remaining 0), pause until it resets (x-ratelimit-reset)."""
        if quota.remaining == 0 and quota.limit > 0:
            self.note(max(0.0, quota.reset - self.clock.now().timestamp()) + 1.0)  # as PyGithub does: one more

    async def wait(self) -> None:
        """Wait out the current pause, if any (a call asked during it would only be refused again)."""
        while self.until is not None:
            left = (self.until - self.clock.now()).total_seconds()
            if left <= 0:
                self.until = None
                return
            await self.clock.sleep(min(left, self.max_wait))
