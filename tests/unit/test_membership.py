"""Approver lists (bot.approvals.membership), checked after check_click: users, groups, the channel, failing closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.approvals.click_checks import (
    Click,
    Purpose,
    check_click,
    needs_membership,
)
from bot.approvals.membership import LookupFailed, Membership, describe_specs
from bot.core.domain import ApprovalRecord, StepStatus
from bot.core.mrkdwn import seal
from tests.unit.approval_fixtures import HASH, NOW, FakeDirectory, approval, check, click

# -- approver lists (bot.membership, checked after check_click) ------------------------------------------



async def may_decide(c: Click, a: ApprovalRecord, directory: FakeDirectory) -> bool:
    """What a click handler does: check_click, then membership unless the requester withdraws."""
    if check_click(c, a, step_status=StepStatus.WAITING_APPROVAL, current_hash=HASH, now=NOW) is not None:
        return False
    if not needs_membership(c, a):
        return True
    return await Membership(directory).may_decide(c.user, list(a.approvers), c.channel)


async def test_approver_list_allows_listed_users() -> None:
    assert await may_decide(click(user="U3"), approval(approvers=["U3", "U4"]), FakeDirectory()) is True


async def test_approver_list_refuses_others() -> None:
    assert await may_decide(click(user="U2"), approval(approvers=["U3", "U4"]), FakeDirectory()) is False


async def test_outsider_may_not_reject_when_approvers_are_set() -> None:
    c = click(user="U2", purpose=Purpose.REJECT)
    assert await may_decide(c, approval(approvers=["U3"]), FakeDirectory()) is False


async def test_listed_approver_may_reject() -> None:
    c = click(user="U3", purpose=Purpose.REJECT)
    assert await may_decide(c, approval(approvers=["U3"]), FakeDirectory()) is True


async def test_requester_may_reject_without_any_lookup() -> None:
    directory = FakeDirectory(fail=True)
    c = click(user="U1", purpose=Purpose.REJECT)
    assert await may_decide(c, approval(approvers=["group:S1"]), directory) is True
    assert directory.asked == []


async def test_requester_allowed_to_approve_is_still_bound_by_the_approver_list() -> None:
    a = approval(approvers=["U3"], requester_may_approve=True)
    assert await may_decide(click(user="U1"), a, FakeDirectory()) is False
    assert (
        await may_decide(click(user="U1"), approval(approvers=["U1"], requester_may_approve=True), FakeDirectory())
        is True
    )


async def test_empty_approvers_means_members_of_the_channel() -> None:
    directory = FakeDirectory(channels={"C1": {"U2"}})
    assert await may_decide(click(user="U2"), approval(approvers=[]), directory) is True
    assert await may_decide(click(user="U5"), approval(approvers=[]), directory) is False
    assert directory.asked == ["channel:C1", "channel:C1"]


async def test_group_and_channel_specs() -> None:
    directory = FakeDirectory(groups={"S1": {"U7"}}, channels={"C1": {"U8"}})
    members = Membership(directory)
    assert await members.may_decide("U7", ["group:S1"], "C1") is True
    assert await members.may_decide("U8", ["group:S1"], "C1") is False
    assert await members.may_decide("U8", ["group:S1", "channel"], "C1") is True
    assert await members.may_decide("U8", ["channel"], None) is False


async def test_a_failed_lookup_fails_closed() -> None:
    with pytest.raises(LookupFailed, match="group:S1: ConnectionError"):
        await Membership(FakeDirectory(fail=True)).may_decide("U7", ["group:S1"], "C1")


def test_describe_specs() -> None:
    assert describe_specs([]) == "anyone in this channel except the requester"
    assert seal(describe_specs(["U3", "group:S0ABC", "group:release-managers", "channel"])) == (
        "<@U3>, <!subteam^S0ABC>, @release-managers, anyone in this channel"
    )


def test_refusals_are_checked_in_a_fail_closed_order() -> None:
    # a stale card from another team is reported as a mismatch even though it is also expired and changed
    bad = approval(team_id="T9", status="approved", expires_at=NOW - timedelta(days=1))
    assert check(click(user="U1"), bad, current_hash=None) == "click.mismatch"
    assert check(click(user="U1"), approval(status="approved", expires_at=NOW), current_hash=None) == "click.decided"
    assert check(click(user="U1"), approval(expires_at=NOW), current_hash=None) == "click.expired"
    assert check(click(user="U1"), approval(), current_hash=None) == "click.hash_mismatch"
    assert check(click(user="U1"), approval()) == "click.self_approval"
