"""This process's claims: its name in every lease it takes (inbox items, executing steps) and the steps it is
executing now. The execution (bot.orchestration.execution) registers a step for the time its tool runs; the
worker's heartbeat (bot.edges.worker) renews the heartbeat of every step registered here, whatever started it (an
event, a click, a recovery sweep). A step whose heartbeat stops was cut off: bot.orchestration.recovery."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Claims:
    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: dict[str, int] = {}  # step id → how many calls here run it (one, unless a bug)

    @contextmanager
    def executing(self, step_id: str) -> Iterator[None]:
        """While the block runs, the step's heartbeat is renewed by this process."""
        self._steps[step_id] = self._steps.get(step_id, 0) + 1
        try:
            yield
        finally:
            left = self._steps.pop(step_id) - 1
            if left:
                self._steps[step_id] = left

    def steps(self) -> tuple[str, ...]:
        """The steps executing here now."""
        return tuple(self._steps)

    def is_executing(self, step_id: str) -> bool:
        return step_id in self._steps
