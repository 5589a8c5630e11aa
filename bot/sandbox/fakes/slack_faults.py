"""The fake Slack's fault injection: the next calls refused (429 with Retry-After, a 5xx, an error), every call in
a time window refused with 429, a share of calls answered 500, a call whose write happens but whose answer is lost
(a "ghost write": 500 or a reset connection after the message was stored), and a call held after its write until
the test lets it answer (to kill the client while it waits)."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes import slack_payloads as answers
from bot.sandbox.fakes.slack_payloads import SlackError

RESET = 0  # a fault `status`: the connection is closed without an answer


@dataclass(kw_only=True)
class Fault:
    status: int
    retry_after: int = 1
    error: str | None = None
    times: int = 1


@dataclass
class Hold:
    """A held answer: `reached` is set once the write happened; the answer goes out when `release` is set."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


class SlackFaults:
    """Mixed into FakeSlackApi."""

    _faults: defaultdict[str, list[Fault]]
    _ghosts: defaultdict[str, list[Fault]]
    _windows: dict[str, tuple[float, int]]
    _shares: dict[str, tuple[float, int, random.Random]]
    _holds: dict[str, Hold]

    def _init_faults(self) -> None:
        self._faults = defaultdict(list)
        self._ghosts = defaultdict(list)
        self._windows, self._shares, self._holds = {}, {}, {}

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1, error: str | None = None
    ) -> None:
        """Answer the next ``times`` calls with a 429 (with ``Retry-After``), a 5xx, ``ok: false, error``, or
        (``status=RESET``) a closed connection; nothing is done."""
        self._faults[method].append(Fault(status=status, retry_after=retry_after, error=error, times=times))

    def refuse_for(self, method: str, seconds: float, *, retry_after: int = 1) -> None:
        """Answer every call in the next ``seconds`` with a 429 whose Retry-After is at most ``retry_after``."""
        self._windows[method] = (time.monotonic() + seconds, retry_after)

    def fail_share(self, method: str, share: float, *, status: int = 500, seed: int = 0) -> None:
        """Answer a ``share`` (0 to 1) of the calls, picked by a seeded random, with ``status``; nothing is done."""
        self._shares[method] = (share, status, random.Random(seed))  # noqa: S311 - test faults, not security

    def ghost_next(self, method: str, *, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls are done (a post is stored) but answered ``status`` (or reset): the answer lost."""
        self._ghosts[method].append(Fault(status=status, times=times))

    def hold_next(self, method: str) -> Hold:
        """The next call is done, then its answer waits for ``hold.release``."""
        hold = Hold()
        self._holds[method] = hold
        return hold

    def _take_fault(self, method: str) -> Fault | None:
        window = self._windows.get(method)
        if window is not None:
            left = window[0] - time.monotonic()
            if left > 0:
                return Fault(status=429, retry_after=max(1, min(window[1], math.ceil(left))))
            del self._windows[method]
        share = self._shares.get(method)
        if share is not None and share[2].random() < share[0]:
            return Fault(status=share[1])
        return _taken(self._faults.get(method))

    def _take_ghost(self, method: str) -> Fault | None:
        return _taken(self._ghosts.get(method))

    def _take_hold(self, method: str) -> Hold | None:
        return self._holds.pop(method, None)


def _taken(queue: list[Fault] | None) -> Fault | None:
    if not queue:
        return None
    fault = queue[0]
    fault.times -= 1
    if fault.times <= 0:
        queue.pop(0)
    return fault


def fault_reply(fault: Fault) -> tuple[int, dict[str, str], JsonObject]:
    if fault.status == 429:
        return answers.rate_limited(fault.retry_after)
    if fault.error is not None:
        return fault.status, {}, SlackError(fault.error).body()
    return fault.status, {}, {"ok": False, "error": "fatal_error"}
