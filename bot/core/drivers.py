"""The planners of runs that plan as they go — the agent and runbooks — as the runner sees them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class Turn:
    """What a planner's turn did: `more` when it added steps to the run, `start` for other runs it started."""

    more: bool = False
    start: tuple[str, ...] = ()


class Driver(Protocol):
    """The planner of a kind of run (the agent, runbooks): asked for its next steps whenever the run's steps are all
    final — and, when `eager`, whenever one of them finishes. Commands have none: their steps are planned up front."""

    eager: bool

    async def next_turn(self, run_id: str) -> Turn: ...
