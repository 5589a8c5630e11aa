"""The installation, people of other organisations (Slack Connect), and who may ask (bot.approvals.requesters)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.approvals.click_checks import (
    Click,
    Purpose,
    check_click,
)
from bot.approvals.membership import Membership
from bot.approvals.requesters import ask_refusal
from bot.core.approval_rules import ApprovalRules, Asker
from bot.core.card_view import CardView
from bot.core.domain import ApprovalRecord, StepStatus
from bot.core.installation import Installation
from bot.core.mrkdwn import seal
from bot.core.tool_registry import Preview, Risk
from tests.unit.approval_fixtures import HASH, NOW, FakeDirectory, approval, check, click

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
