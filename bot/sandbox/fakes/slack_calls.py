"""The fake Slack's record of what it answered: every call in order, its listeners, and waiting for a call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Call:
    """One request the fake answered: its decoded params (token removed) and the reply it got.

    Both are the JSON as it went over the wire, kept for tests to read; a test reads them as it knows them to be
    (``call.params["blocks"][0]["text"]``), so their values are typed ``Any`` (the fake itself builds JSON).
    """

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True


class CallLog:
    """Mixed into FakeSlackApi: ``calls`` in the order they were answered, ``calls_to``, ``wait_for``, listeners."""

    calls: list[Call]
    _changed: asyncio.Condition
    _listeners: list[Callable[[Call], None]]

    def subscribe(self, listener: Callable[[Call], None]) -> Callable[[], None]:
        """Call ``listener`` after every answered call; returns the function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - tests give a deadline per wait
    ) -> list[Call]:
        """Wait until ``count`` matching calls were answered; returns all matching calls so far."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            seen = "\n".join(f"  {c.method} {c.status} {c.params} -> {c.response}" for c in self.calls)
            raise AssertionError(
                f"expected {count} matching {method} call(s) within {timeout}s, got {len(matching())}; "
                f"calls seen:\n{seen or '  (none)'}"
            ) from None
        return matching()

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        for listener in list(self._listeners):
            listener(call)
