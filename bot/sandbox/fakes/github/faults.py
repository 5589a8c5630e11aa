"""The fake GitHub's injected failures: any status with GitHub's body for it, and its two kinds of rate limit."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.sandbox.fakes.github.github_state import Fault, Reply
from bot.sandbox.fakes.github.shapes import number_of
from bot.sandbox.fakes.github.wire import (
    RATE_LIMIT,
    default_fault_body,
    primary_rate_limit,
    request_id,
    secondary_rate_limit,
)


@dataclass(eq=False)
class Hold:
    """Matching requests wait (a hung upstream) until `release()`; `arrived` is set when the first one is held."""

    method: str
    path: re.Pattern[str]
    times: int
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    held: int = 0
    _more: asyncio.Condition = field(default_factory=asyncio.Condition)

    def release(self) -> None:
        self.released.set()

    async def until_held(self, count: int) -> None:
        """Wait until `count` requests are being held."""
        async with self._more:
            await self._more.wait_for(lambda: self.held >= count)


class GitHubFaults:
    """Mixed into FakeGitHub: `fail_next` and `rate_limit_next` queue answers that the next matching requests get;
    `hold_next` makes them hang until released; `set_latency` makes every answer slow."""

    login: str
    now: Callable[[], datetime]
    _faults: list[Fault]
    _holds: list[Hold]
    latency = 0.0  # seconds every answer waits (a slow GitHub)
    in_flight = 0  # requests received and not yet answered
    max_in_flight = 0  # the most there were at once

    def set_latency(self, seconds: float) -> None:
        """Every request from now on waits `seconds` (on the real clock) before it is answered."""
        self.latency = seconds

    def hold_next(self, method: str, path_regex: str, times: int = 1) -> Hold:
        """The next `times` matching requests get no answer until the returned hold is released."""
        hold = Hold(method=method.upper(), path=re.compile(path_regex), times=times)
        self._holds.append(hold)
        return hold

    def release_holds(self) -> None:
        for hold in self._holds:
            hold.release()

    async def _wait_if_held(self, method: str, path: str) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            for hold in self._holds:
                if hold.method == method and hold.path.search(path) and hold.held < hold.times:
                    hold.held += 1
                    hold.arrived.set()
                    async with hold._more:
                        hold._more.notify_all()
                    await hold.released.wait()
                    return
        finally:
            self.in_flight -= 1

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: object = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        apply: bool = False,
    ) -> None:
        """Answer the next `times` matching requests (re.search on the path) with this status.

        `apply=True` performs the request first (a write that happened although the answer is an error).
        """
        reply = Reply(status=status, body=default_fault_body(status) if body is None else body, headers=headers or {})
        self._faults.append(
            Fault(method=method.upper(), path=re.compile(path_regex), reply=reply, times=times, apply=apply)
        )

    def rate_limit_next(
        self,
        method: str,
        path_regex: str,
        *,
        retry_after: int | None = None,
        reset_in: float = 3600,
        times: int = 1,
    ) -> None:
        """A secondary limit with Retry-After when given, else a primary one that resets in `reset_in` s."""
        rid = request_id(0)
        if retry_after is not None:
            body = secondary_rate_limit(rid)
            headers = {"Retry-After": str(retry_after)}
        else:
            body = primary_rate_limit(number_of(self.login), rid)
            reset = int((self.now() + timedelta(seconds=reset_in)).timestamp())
            headers = {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Used": str(RATE_LIMIT),
                "X-RateLimit-Reset": str(reset),
            }
        self.fail_next(method, path_regex, 403, body, headers, times)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.path.search(path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None
