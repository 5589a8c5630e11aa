"""The one table of state moves for runs, steps and approvals: every change the store makes is checked here first.

The store still moves state by compare-and-set (the row must be in one of the `from` states); this table says which
moves may be asked for at all. Asking for any other move is a bug: `IllegalTransition` is raised before anything is
written, and the service audits it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from bot.core.domain import ApprovalStatus, RunStatus, StepStatus

State = RunStatus | StepStatus | ApprovalStatus

_ENDED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.REJECTED, RunStatus.UNKNOWN)
RUN_MOVES: Mapping[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING}),
    RunStatus.RUNNING: frozenset({RunStatus.RUNNING, RunStatus.WAITING_APPROVAL, *_ENDED}),
    RunStatus.WAITING_APPROVAL: frozenset({RunStatus.RUNNING, RunStatus.WAITING_APPROVAL, *_ENDED}),
    # an unknown outcome waits for a person: Retry runs it again, Mark done lets the run finish
    RunStatus.UNKNOWN: frozenset({RunStatus.RUNNING, *_ENDED}),
    RunStatus.SUCCEEDED: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.REJECTED: frozenset(),
}
FINAL_STEP = frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.REJECTED, StepStatus.UNKNOWN})
STEP_MOVES: Mapping[StepStatus, frozenset[StepStatus]] = {
    # a read runs at once; a risky step asks first; either may fail before it runs (refused, no preview)
    StepStatus.PENDING: frozenset({StepStatus.EXECUTING, StepStatus.WAITING_APPROVAL, StepStatus.FAILED}),
    # approved, rejected, expired (failed), or edited (back to pending, with new arguments)
    StepStatus.WAITING_APPROVAL: frozenset(
        {StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.FAILED, StepStatus.PENDING}
    ),
    StepStatus.APPROVED: frozenset({StepStatus.EXECUTING, StepStatus.FAILED}),
    # a read cut off by a crash goes back to pending; a risky one becomes unknown
    StepStatus.EXECUTING: frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.UNKNOWN, StepStatus.PENDING}),
    StepStatus.UNKNOWN: frozenset({StepStatus.APPROVED, StepStatus.SUCCEEDED}),  # Retry, Mark done
    StepStatus.SUCCEEDED: frozenset(),
    StepStatus.FAILED: frozenset(),
    StepStatus.REJECTED: frozenset(),
}
APPROVAL_MOVES: Mapping[ApprovalStatus, frozenset[ApprovalStatus]] = {
    ApprovalStatus.PENDING: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED, ApprovalStatus.SUPERSEDED}
    ),
    ApprovalStatus.APPROVED: frozenset(),
    ApprovalStatus.REJECTED: frozenset(),
    ApprovalStatus.EXPIRED: frozenset(),
    ApprovalStatus.SUPERSEDED: frozenset(),
}


class IllegalTransition(RuntimeError):
    """A move the table does not allow was asked for (a bug, never a race: races just lose the compare-and-set)."""

    def __init__(self, what: str, from_: State, to: State) -> None:
        super().__init__(f"illegal {what} move: {from_.value} → {to.value}")
        self.what, self.from_, self.to = what, from_, to


S = TypeVar("S", RunStatus, StepStatus, ApprovalStatus)


def _check(what: str, table: Mapping[S, frozenset[S]], from_: Iterable[S], to: S) -> tuple[S, ...]:
    sources = tuple(from_)
    for source in sources:
        if to not in table[source]:
            raise IllegalTransition(what, source, to)
    return sources


def step_move(from_: Iterable[StepStatus], to: StepStatus) -> tuple[StepStatus, ...]:
    """The `from` states of a step's compare-and-set, each checked against the table."""
    return _check("step", STEP_MOVES, from_, to)


def approval_move(from_: ApprovalStatus, to: ApprovalStatus) -> ApprovalStatus:
    return _check("approval", APPROVAL_MOVES, (from_,), to)[0]


def run_sources(to: RunStatus) -> tuple[RunStatus, ...]:
    """Every run state that may move to `to`: a run's status is set by compare-and-set from these."""
    return tuple(state for state, targets in RUN_MOVES.items() if to in targets)
