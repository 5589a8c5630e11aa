"""The approval rules: the action hash and every reason a click is refused (failing closed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.approvals.click_checks import (
    Click,
    Purpose,
    action_hash,
    check_click,
    counted_approvers,
    needs_membership,
    quorum_met,
)
from bot.approvals.membership import LookupFailed, Membership, describe_specs
from bot.approvals.requesters import ask_refusal
from bot.core.approval_rules import ApprovalRules, Asker
from bot.core.card_view import CardView
from bot.core.domain import ApprovalRecord, ApprovalStatus, Decision, DecisionRecord, StepStatus
from bot.core.installation import Installation
from bot.core.mrkdwn import seal
from bot.core.tool_registry import Preview, Risk

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ARGS = {"repo": "acme/api", "number": 42, "method": "squash", "inputs": {"a": "1", "b": "2"}}
BASE = {"tool": "merge_pull_request", "args": ARGS, "requester": "U1", "team_id": "T1"}


def hash_of(**changes: Any) -> str:
    return action_hash(**{**BASE, **changes})


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

HASH = hash_of()


def approval(**changes: Any) -> ApprovalRecord:
    values: dict[str, Any] = {
        "id": "ap1",
        "run_id": "r1",
        "step_id": "s1",
        "team_id": "T1",
        "channel": "C1",
        "thread_ts": None,
        "status": "pending",
        "expires_at": NOW + timedelta(minutes=10),
        "created_at": NOW - timedelta(minutes=1),
        "action_hash": HASH,
        "requester": "U1",
        "approvers": [],
        "required": 1,
        "preview": {},
        **changes,
    }
    values["status"] = ApprovalStatus(values["status"])
    values["approvers"] = tuple(values["approvers"])
    return ApprovalRecord(**values)


def click(**changes: Any) -> Click:
    values: dict[str, Any] = {
        "approval_id": "ap1",
        "user": "U2",
        "team_id": "T1",
        "channel": "C1",
        "purpose": Purpose.APPROVE,
    }
    return Click(**{**values, **changes})


def check(
    c: Click,
    a: ApprovalRecord | None,
    *,
    current_hash: str | None = HASH,
    now: datetime = NOW,
    step_status: StepStatus | str | None = "waiting_approval",
) -> str | None:
    status = StepStatus(step_status) if step_status else None
    refusal = check_click(c, a, step_status=status, current_hash=current_hash, now=now)
    return None if refusal is None else refusal.audit_kind


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


# -- approver lists (bot.membership, checked after check_click) ------------------------------------------


class FakeDirectory:
    def __init__(
        self, groups: dict[str, set[str]] | None = None, channels: dict[str, set[str]] | None = None, fail: bool = False
    ) -> None:
        self.groups = groups or {}
        self.channels = channels or {}
        self.fail = fail
        self.asked: list[str] = []

    async def group_members(self, group: str) -> frozenset[str]:
        self.asked.append(f"group:{group}")
        if self.fail:
            raise ConnectionError("slack is down")
        return frozenset(self.groups.get(group, ()))

    async def channel_members(self, channel: str) -> frozenset[str]:
        self.asked.append(f"channel:{channel}")
        if self.fail:
            raise ConnectionError("slack is down")
        return frozenset(self.channels.get(channel, ()))

    async def channel_name(self, channel: str) -> str | None:
        return None


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


# -- the installation, and people of other organisations ---------------------------------------------------------

OURS = Installation(team_id="T1", enterprise_id="E1")


def test_the_installation_comes_from_auth_test() -> None:
    assert Installation.from_auth({"team_id": "T1", "enterprise_id": "E1", "user_id": "W1"}) == OURS
    assert Installation.from_auth({"team_id": "T1", "enterprise_id": None}) == Installation(team_id="T1")
    assert Installation.from_auth({}) is None  # auth.test has not answered: nothing is for us yet
    assert Installation.from_auth({"team_id": ""}) is None


@pytest.mark.parametrize(
    ("team_id", "enterprise_id", "foreign"),
    [
        ("T1", "E1", False),
        ("T1", None, False),  # a payload that names no enterprise: the workspace decides
        ("T2", "E1", True),  # another workspace of our enterprise is not this installation
        ("T1", "E2", True),
        ("T1|T2", "E1", True),  # a payload naming two workspaces names none of them
        ("", "E1", True),
    ],
)
def test_a_request_must_name_our_workspace_and_enterprise(
    team_id: str, enterprise_id: str | None, foreign: bool
) -> None:
    assert (OURS.mismatch(team_id=team_id, enterprise_id=enterprise_id) is not None) is foreign
    outside_grid = Installation(team_id="T1")
    assert outside_grid.mismatch(team_id="T1", enterprise_id="E1") == "enterprise E1 is not (none)"


def test_external_means_a_home_team_that_is_neither_our_workspace_nor_our_enterprise() -> None:
    assert [OURS.is_external(t) for t in ("T1", "E1", None, "T9", "E9")] == [False, False, False, True, True]


def check_in(
    c: Click, a: ApprovalRecord, installation: Installation = OURS, step: str = "waiting_approval"
) -> str | None:
    refusal = check_click(c, a, step_status=StepStatus(step), current_hash=HASH, now=NOW, installation=installation)
    return None if refusal is None else refusal.audit_kind


@pytest.mark.parametrize("where", [{"enterprise_id": "E2"}, {"team_id": "T2"}])
def test_a_click_from_another_enterprise_or_workspace_is_a_mismatch(where: dict[str, str]) -> None:
    assert check_in(click(**where), approval(team_id=where.get("team_id", "T1"))) == "click.mismatch"
    assert check_in(click(enterprise_id="E1"), approval()) is None


@pytest.mark.parametrize("purpose", [Purpose.APPROVE, Purpose.REJECT])
def test_a_person_of_another_organisation_may_not_decide_by_default(purpose: Purpose) -> None:
    refusal = check_click(
        click(purpose=purpose, user_team_id="T9"), approval(rule="releases"), step_status=StepStatus.WAITING_APPROVAL,
        current_hash=HASH, now=NOW, installation=OURS,
    )  # fmt: skip
    assert refusal is not None and refusal.audit_kind == "click.external"
    assert "another organisation" in refusal.reason and "`releases`" in refusal.reason
    assert check(click(purpose=purpose, user_team_id="T9"), approval()) is None  # no installation: not known


@pytest.mark.parametrize("purpose", [Purpose.RETRY, Purpose.MARK_DONE])
def test_a_person_of_another_organisation_may_not_resolve_an_unknown_step(purpose: Purpose) -> None:
    a = approval(status="approved")
    assert check_in(click(purpose=purpose, user_team_id="T9"), a, step="unknown") == "click.external"
    assert check_in(click(purpose=purpose, user_team_id="T9"), replace(a, external_users=True), step="unknown") is None


def test_the_rule_may_let_people_of_other_organisations_decide() -> None:
    allowed = approval(external_users=True)
    assert check_in(click(user_team_id="T9"), allowed) is None
    assert check_in(click(user_team_id="T1"), approval()) is None  # ours
    assert check_in(click(user_team_id="E1"), approval()) is None  # of our enterprise


def test_an_external_requester_may_still_withdraw_or_edit_their_own_request() -> None:
    mine = approval(requester="U9")
    assert check_in(click(user="U9", user_team_id="T9", purpose=Purpose.REJECT), mine) is None
    assert check_in(click(user="U9", user_team_id="T9", purpose=Purpose.EDIT), mine) is None
    assert check_in(click(user="U9", user_team_id="T9"), mine) == "click.self_approval"


# -- who may ask ----------------------------------------------------------------------------------------------


async def refusal_for(
    tool: str,
    rules: ApprovalRules,
    *,
    user: str = "U6",
    risky: bool = False,
    external: bool = False,
    directory: FakeDirectory | None = None,
) -> str | None:
    members = Membership(directory or FakeDirectory(channels={"C1": {"U1", "U5", "U6"}}, groups={"S1": {"U7"}}))
    asker = Asker(user=user, channel="C1")
    reason = await ask_refusal(tool, rules, asker, risky=risky, external=external, membership=members)
    return None if reason is None else seal(reason)


async def test_anyone_may_ask_for_a_read_and_channel_members_for_the_erp() -> None:
    assert await refusal_for("list_pull_requests", ApprovalRules(), user="U99") is None
    assert await refusal_for("erp_overdue_invoices", ApprovalRules(), user="U6") is None
    reason = await refusal_for("erp_overdue_invoices", ApprovalRules(), user="U99")
    assert reason == "Only members of this channel may ask for `erp_overdue_invoices` (policy rule `default`)."


async def test_a_requester_list_names_the_rule_and_who_may_ask() -> None:
    rules = ApprovalRules(requesters=("U5", "group:S1"), rule="deploys")
    assert await refusal_for("dispatch_workflow", rules, user="U5", risky=True) is None
    assert await refusal_for("dispatch_workflow", rules, user="U7", risky=True) is None
    reason = await refusal_for("dispatch_workflow", rules, user="U6", risky=True)
    assert reason == "Only <@U5>, <!subteam^S1> may ask for `dispatch_workflow` (policy rule `deploys`)."


async def test_external_users_ask_only_for_plain_reads_unless_the_rule_allows_them() -> None:
    assert await refusal_for("list_pull_requests", ApprovalRules(), external=True) is None
    for tool, risky in (("merge_pull_request", True), ("erp_stock_level", False)):
        reason = await refusal_for(tool, ApprovalRules(rule="partners"), external=True, risky=risky)
        assert reason is not None and "another organisation (Slack Connect)" in reason and "`partners`" in reason
        assert await refusal_for(tool, ApprovalRules(external_users=True), external=True, risky=risky) is None


async def test_a_failed_lookup_refuses_the_asker() -> None:
    reason = await refusal_for("erp_get_order", ApprovalRules(), directory=FakeDirectory(fail=True))
    assert reason is not None and "couldn't check who may ask" in reason


# -- the card says who decided from another organisation --------------------------------------------------------


def test_the_card_names_external_approvers_and_says_when_they_may_decide() -> None:
    view = CardView(
        approval_id="ap1", tool="merge_pull_request", risk=Risk.DANGEROUS, preview=Preview(title="Merge"),
        requester="U1", approvers=("channel",), required=1, expires_at=NOW,
    )  # fmt: skip
    assert view.context_notes == ()
    assert "may decide" in replace(view, external_users=True).context_notes[0]
    decided = replace(view, status="approved", approved_by=("U2", "U9"), external_approvers=("U9",), notes=("n",))
    assert [seal(n) for n in decided.context_notes] == [
        "n",
        ":globe_with_meridians: External (another organisation, Slack Connect): <@U9>",
    ]


async def test_channel_requesters_need_a_channel_not_a_direct_message() -> None:
    directory = FakeDirectory(channels={"D1": {"U6"}})
    members = Membership(directory)
    asker = Asker(user="U6", channel="D1")
    reason = await ask_refusal("erp_get_order", ApprovalRules(), asker, risky=False, external=False, membership=members)
    assert reason is not None and "in a channel, not in a direct message" in reason and directory.asked == []
    named = ApprovalRules(requesters=("U6",))
    assert await ask_refusal("erp_get_order", named, asker, risky=False, external=False, membership=members) is None
