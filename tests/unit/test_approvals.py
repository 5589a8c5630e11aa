"""The approval rules: the action hash and every reason a click is refused (failing closed), and the quorum."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.approvals.click_checks import (
    Purpose,
    check_click,
    counted_approvers,
    needs_membership,
    quorum_met,
)
from bot.core.approval_rules import ApprovalRules
from bot.core.domain import ApprovalStatus, Decision, DecisionRecord, StepStatus
from tests.unit.approval_fixtures import ARGS, HASH, NOW, approval, check, click, hash_of

# -- action_hash ---------------------------------------------------------------------------------------


def test_action_hash_is_a_sha256_hex_digest() -> None:
    digest = hash_of()
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert hash_of() == digest


def test_action_hash_ignores_key_order_at_every_level() -> None:
    reordered = {"inputs": {"b": "2", "a": "1"}, "method": "squash", "number": 42, "repo": "acme/api"}
    assert list(reordered) != list(ARGS)
    assert hash_of(args=reordered) == hash_of()


@pytest.mark.parametrize(
    "changes",
    [
        {"tool": "get_pull_request"},
        {"args": {**ARGS, "number": 43}},
        {"args": {**ARGS, "method": "merge"}},
        {"args": {**ARGS, "repo": "acme/web"}},
        {"args": {**ARGS, "inputs": {"a": "1", "b": "3"}}},
        {"args": {**ARGS, "extra": None}},
        {"args": {k: v for k, v in ARGS.items() if k != "method"}},
        {"requester": "U2"},
        {"team_id": "T2"},
    ],
)
def test_action_hash_changes_with_any_part_of_the_action(changes: dict[str, Any]) -> None:
    assert hash_of(**changes) != hash_of()


def test_action_hash_does_not_confuse_fields() -> None:
    # the parts are hashed as a structure, so moving text between fields changes the hash
    assert hash_of(requester="U1T", team_id="1") != hash_of(requester="U1", team_id="T1")


def test_approval_rules_expiry_and_reminder() -> None:
    rules = ApprovalRules(ttl=timedelta(minutes=5))
    assert rules.expires_at(NOW) == NOW + timedelta(minutes=5)
    assert rules.remind_at(NOW) is None
    assert ApprovalRules(ttl=timedelta(minutes=5), remind_before=timedelta(minutes=1)).remind_at(NOW) == (
        NOW + timedelta(minutes=4)
    )
    assert ApprovalRules(ttl=timedelta(minutes=5), remind_before=timedelta(minutes=5)).remind_at(NOW) is None
    assert ApprovalRules().requester_may_approve is False
    assert ApprovalRules().required == 1



# -- check_click ---------------------------------------------------------------------------------------


def test_a_good_click_is_allowed() -> None:
    assert check(click(), approval()) is None


def test_a_good_rejection_is_allowed() -> None:
    assert check(click(purpose=Purpose.REJECT), approval()) is None


def test_unknown_approval() -> None:
    refusal = check_click(click(), None, step_status=None, current_hash=HASH, now=NOW)
    assert refusal is not None
    assert refusal.audit_kind == "click.unknown"
    assert refusal.reason


def test_team_mismatch() -> None:
    assert check(click(team_id="T2"), approval()) == "click.mismatch"


@pytest.mark.parametrize("channel", ["C2", None])
def test_channel_mismatch(channel: str | None) -> None:
    assert check(click(channel=channel), approval()) == "click.mismatch"


def test_an_approval_without_a_channel_accepts_any_channel() -> None:
    assert check(click(channel="D9"), approval(channel=None)) is None


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("approved", "already approved"),
        ("rejected", "already rejected"),
        ("expired", "expired"),
        ("superseded", "replaced"),
    ],
)
@pytest.mark.parametrize("purpose", [Purpose.APPROVE, Purpose.REJECT, Purpose.EDIT])
def test_decided_requests_refuse_every_click(status: str, words: str, purpose: Purpose) -> None:
    c = click(purpose=purpose, user="U1" if purpose is Purpose.EDIT else "U2")
    refusal = check_click(c, approval(status=status), step_status=StepStatus.APPROVED, current_hash=HASH, now=NOW)
    assert refusal is not None
    assert refusal.audit_kind == "click.decided"
    assert words in refusal.reason


def test_every_non_pending_status_is_covered() -> None:
    for status in ApprovalStatus:
        expected = None if status is ApprovalStatus.PENDING else "click.decided"
        assert check(click(), approval(status=status.value)) == expected


def test_an_unknown_status_fails_closed() -> None:
    with pytest.raises(ValueError):
        check(click(), approval(status="bogus"))


def test_expired_exactly_at_expires_at() -> None:
    expires = NOW + timedelta(minutes=10)
    assert check(click(), approval(expires_at=expires), now=expires - timedelta(microseconds=1)) is None
    assert check(click(), approval(expires_at=expires), now=expires) == "click.expired"
    assert check(click(), approval(expires_at=expires), now=expires + timedelta(seconds=1)) == "click.expired"


def test_a_rejection_after_expiry_is_refused_too() -> None:
    assert check(click(purpose=Purpose.REJECT, user="U1"), approval(expires_at=NOW), now=NOW) == "click.expired"


@pytest.mark.parametrize("current", [None, "", hash_of(args={**ARGS, "number": 43}), HASH.upper()])
def test_hash_mismatch(current: str | None) -> None:
    assert check(click(), approval(), current_hash=current) == "click.hash_mismatch"


def test_hash_mismatch_refuses_rejections_too() -> None:
    assert check(click(purpose=Purpose.REJECT), approval(), current_hash=None) == "click.hash_mismatch"


def test_self_approval_is_refused() -> None:
    refusal = check_click(click(user="U1"), approval(), step_status=None, current_hash=HASH, now=NOW)
    assert refusal is not None
    assert refusal.audit_kind == "click.self_approval"
    assert "someone else" in refusal.reason


def test_self_approval_is_refused_even_for_a_listed_approver() -> None:
    assert check(click(user="U1"), approval(approvers=["U1", "U2"])) == "click.self_approval"


def test_self_approval_is_refused_when_the_row_says_false() -> None:
    assert check(click(user="U1"), approval(requester_may_approve=False)) == "click.self_approval"


def test_requester_may_approve_when_the_rule_allows_it() -> None:
    assert check(click(user="U1"), approval(requester_may_approve=True)) is None


def test_requester_may_always_reject() -> None:
    assert check(click(user="U1", purpose=Purpose.REJECT), approval()) is None
    assert check(click(user="U1", purpose=Purpose.REJECT), approval(approvers=["U3"])) is None
    assert needs_membership(click(user="U1", purpose=Purpose.REJECT), approval(approvers=["U3"])) is False


@pytest.mark.parametrize(
    ("user", "purpose"),
    [
        ("U2", Purpose.APPROVE),
        ("U2", Purpose.REJECT),
        ("U1", Purpose.APPROVE),
        ("U2", Purpose.RETRY),
        ("U2", Purpose.MARK_DONE),
        ("U1", Purpose.RETRY),
    ],
)
def test_every_other_decision_needs_membership(user: str, purpose: Purpose) -> None:
    assert needs_membership(click(user=user, purpose=purpose), approval()) is True


# -- edit, retry and mark done go through the same check -------------------------------------------------


def test_only_the_requester_may_edit_and_needs_no_approver_list() -> None:
    assert check(click(user="U2", purpose=Purpose.EDIT), approval()) == "edit.not_requester"
    assert check(click(user="U1", purpose=Purpose.EDIT), approval(approvers=["U3"])) is None
    assert needs_membership(click(user="U1", purpose=Purpose.EDIT), approval()) is False


def test_an_edit_from_another_workspace_or_channel_is_refused() -> None:
    assert check(click(user="U1", purpose=Purpose.EDIT, team_id="T2"), approval()) == "click.mismatch"
    assert check(click(user="U1", purpose=Purpose.EDIT, channel="C2"), approval()) == "click.mismatch"


RESOLVABLE = {"status": "approved", "expires_at": NOW - timedelta(minutes=1)}  # decided long ago: expiry is moot


@pytest.mark.parametrize("purpose", [Purpose.RETRY, Purpose.MARK_DONE])
def test_resolving_an_unknown_step_needs_an_approved_request_and_an_unknown_step(purpose: Purpose) -> None:
    assert check(click(purpose=purpose), approval(**RESOLVABLE), step_status="unknown") is None
    for status in ("succeeded", "failed", "approved", "executing", None):
        assert check(click(purpose=purpose), approval(**RESOLVABLE), step_status=status) == "click.decided"
    for decided in ("pending", "rejected", "expired", "superseded"):
        assert check(click(purpose=purpose), approval(status=decided), step_status="unknown") == "click.decided"


@pytest.mark.parametrize("purpose", [Purpose.RETRY, Purpose.MARK_DONE])
def test_resolving_from_another_workspace_or_channel_is_refused(purpose: Purpose) -> None:
    a = approval(**RESOLVABLE)
    assert check(click(purpose=purpose, team_id="T2"), a, step_status="unknown") == "click.mismatch"
    assert check(click(purpose=purpose, channel="C2"), a, step_status="unknown") == "click.mismatch"
    assert check(click(purpose=purpose), a, step_status="unknown", current_hash="changed") == "click.hash_mismatch"


@pytest.mark.parametrize("purpose", [Purpose.RETRY, Purpose.MARK_DONE])
def test_the_requester_resolves_only_when_the_rule_lets_them_approve(purpose: Purpose) -> None:
    mine = click(purpose=purpose, user="U1")
    assert check(mine, approval(**RESOLVABLE), step_status="unknown") == "click.self_approval"
    assert check(mine, approval(**RESOLVABLE, requester_may_approve=True), step_status="unknown") is None


# -- the quorum --------------------------------------------------------------------------------------------


def decisions(*rows: tuple[str, str]) -> list[DecisionRecord]:
    return [
        DecisionRecord(approval_id="ap1", user_id=user, decision=Decision(decision), created_at=NOW)
        for user, decision in rows
    ]


def test_the_quorum_counts_distinct_approvers_and_never_rejections() -> None:
    rows = decisions(("U2", "approve"), ("U2", "approve"), ("U3", "reject"))
    assert counted_approvers(approval(), rows) == {"U2"}
    assert quorum_met(approval(required=1), rows) is True
    assert quorum_met(approval(required=2), rows) is False
    assert quorum_met(approval(required=2), [*rows, *decisions(("U4", "approve"))]) is True


def test_the_requester_counts_toward_the_quorum_only_when_the_rule_allows_it() -> None:
    rows = decisions(("U1", "approve"))
    assert quorum_met(approval(required=1), rows) is False
    assert quorum_met(approval(required=1, requester_may_approve=False), rows) is False
    assert quorum_met(approval(required=1, requester_may_approve=True), rows) is True
    assert quorum_met(approval(required=2, requester_may_approve=True), rows) is False
