"""The one transition table: every state is in it, final states never move, an illegal move raises."""

from __future__ import annotations

import pytest

from bot.core.domain import ApprovalStatus, RunStatus, StepStatus
from bot.core.transitions import (
    APPROVAL_MOVES,
    RUN_MOVES,
    STEP_MOVES,
    IllegalTransition,
    approval_move,
    run_sources,
    step_move,
)


@pytest.mark.parametrize(
    ("table", "states"), [(RUN_MOVES, RunStatus), (STEP_MOVES, StepStatus), (APPROVAL_MOVES, ApprovalStatus)]
)
def test_every_state_has_a_row(table: object, states: type) -> None:
    assert set(table) == set(states)  # type: ignore[call-overload]


@pytest.mark.parametrize("final", [StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.REJECTED])
def test_a_final_step_never_moves(final: StepStatus) -> None:
    for to in StepStatus:
        with pytest.raises(IllegalTransition, match=f"illegal step move: {final.value} → {to.value}"):
            step_move([final], to)


def test_the_step_moves_the_code_makes_are_legal() -> None:
    assert step_move([StepStatus.PENDING], StepStatus.WAITING_APPROVAL) == (StepStatus.PENDING,)
    assert step_move([StepStatus.PENDING, StepStatus.APPROVED], StepStatus.FAILED)
    assert step_move([StepStatus.UNKNOWN], StepStatus.APPROVED)  # Retry
    assert step_move([StepStatus.EXECUTING], StepStatus.PENDING)  # a read cut off by a crash


@pytest.mark.parametrize(
    ("from_", "to"),
    [
        (StepStatus.PENDING, StepStatus.APPROVED),  # an approval without a request
        (StepStatus.WAITING_APPROVAL, StepStatus.EXECUTING),  # running without the approval
        (StepStatus.UNKNOWN, StepStatus.EXECUTING),  # a blind retry
        (StepStatus.EXECUTING, StepStatus.APPROVED),
    ],
)
def test_moves_that_would_skip_an_approval_are_illegal(from_: StepStatus, to: StepStatus) -> None:
    with pytest.raises(IllegalTransition):
        step_move([from_], to)


def test_one_illegal_source_makes_the_whole_move_illegal() -> None:
    with pytest.raises(IllegalTransition, match="succeeded → executing"):
        step_move([StepStatus.APPROVED, StepStatus.SUCCEEDED], StepStatus.EXECUTING)


def test_an_approval_is_decided_once() -> None:
    for to in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED, ApprovalStatus.SUPERSEDED):
        assert approval_move(ApprovalStatus.PENDING, to) is ApprovalStatus.PENDING
        for decided in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED):
            with pytest.raises(IllegalTransition):
                approval_move(decided, to)


def test_a_finished_run_is_never_reopened_but_an_unknown_one_is() -> None:
    assert RunStatus.UNKNOWN in run_sources(RunStatus.RUNNING)
    assert RunStatus.QUEUED in run_sources(RunStatus.RUNNING)
    for final in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.REJECTED):
        assert all(final not in run_sources(to) for to in RunStatus)
    assert run_sources(RunStatus.QUEUED) == ()  # a run is created queued, never moved back to it
