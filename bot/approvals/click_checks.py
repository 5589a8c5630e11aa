"""Approval rules, pure: the action hash, the one check every click must pass (failing closed), the quorum."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.core.domain import ApprovalRecord, ApprovalStatus, Decision, DecisionRecord, StepStatus
from bot.core.installation import Installation
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import escape


def action_hash(*, tool: str, args: JsonObject, requester: str, team_id: str) -> str:
    """Bind an approval to the exact action: any change of tool, argument, requester or team breaks it."""
    canonical = json.dumps(
        {"tool": tool, "args": args, "requester": requester, "team": team_id},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class Purpose(enum.StrEnum):
    """What a click or a modal submission asks for: each has its own card state and its own eligible people."""

    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"  # opening the edit modal, and submitting it
    RETRY = "retry"  # a risky step whose outcome is unknown: run it again
    MARK_DONE = "mark_done"  # ... or say it happened

    @property
    def decision(self) -> Decision:
        return Decision.REJECT if self is Purpose.REJECT else Decision.APPROVE


RESOLVING = (Purpose.RETRY, Purpose.MARK_DONE)


@dataclass(frozen=True, kw_only=True)
class Click:
    approval_id: str
    user: str
    team_id: str
    channel: str | None
    purpose: Purpose
    trigger_id: str | None = None
    reason: str | None = None
    from_modal: bool = False
    enterprise_id: str | None = None  # as the payload says (`Event.enterprise_id`)
    user_team_id: str | None = None  # the clicker's home team (`Event.user_team_id`)

    @property
    def decision(self) -> Decision:
        return self.purpose.decision

    def external(self, installation: Installation | None) -> bool:
        """Whether the clicker is of another organisation (Slack Connect)."""
        return installation is not None and installation.is_external(self.user_team_id)


@dataclass(frozen=True, kw_only=True)
class Refusal:
    reason: str
    audit_kind: str


def check_click(
    click: Click,
    approval: ApprovalRecord | None,
    *,
    step_status: StepStatus | None,
    current_hash: str | None,
    now: datetime,
    installation: Installation | None = None,
) -> Refusal | None:
    """Why this click must be refused, or None: the one rule for every button and modal on an approval card.

    In order: the request exists; the click comes from the card's workspace and channel, and from this
    installation (its workspace and enterprise, when `installation` is known); the card is in the state this
    purpose needs (pending and unexpired to decide or edit; approved with an `unknown` step to retry or mark done);
    the action is unchanged; the clicker is the right kind of person (the requester may edit and withdraw, and
    approve or resolve only when the rule allows it; a person of another organisation may decide only when the
    rule says `external_users: allow`). Membership of the approver list (user groups, channel) is checked
    afterwards by bot.approvals.membership, which needs the directory, whenever `needs_membership` says so.
    """
    if approval is None:
        return Refusal(reason="I can't find that approval request any more.", audit_kind="click.unknown")
    ours = installation is None or not installation.mismatch(team_id=click.team_id, enterprise_id=click.enterprise_id)
    if not ours or approval.team_id != click.team_id or (approval.channel and approval.channel != click.channel):
        return Refusal(reason="This button does not belong to this conversation.", audit_kind="click.mismatch")
    refusal = _resolve_state(approval, step_status) if click.purpose in RESOLVING else _decide_state(approval, now)
    if refusal is not None:
        return refusal
    if current_hash is None or current_hash != approval.action_hash:
        return Refusal(
            reason="The action changed since this card was posted, so this card can't approve it.",
            audit_kind="click.hash_mismatch",
        )
    return _person(click, approval) or _external(click, approval, installation)


def _decide_state(approval: ApprovalRecord, now: datetime) -> Refusal | None:
    if approval.status is not ApprovalStatus.PENDING:
        return Refusal(reason=_decided_reason(approval.status), audit_kind="click.decided")
    if approval.expires_at <= now:
        return Refusal(reason="This request has expired; nothing was run. Ask again.", audit_kind="click.expired")
    return None


def _resolve_state(approval: ApprovalRecord, step_status: StepStatus | None) -> Refusal | None:
    if approval.status is not ApprovalStatus.APPROVED or step_status is not StepStatus.UNKNOWN:
        return Refusal(reason="This step is no longer waiting for a human.", audit_kind="click.decided")
    return None


def _person(click: Click, approval: ApprovalRecord) -> Refusal | None:
    requester = click.user == approval.requester
    if click.purpose is Purpose.EDIT and not requester:
        return Refusal(reason="Only the person who asked can edit this request.", audit_kind="edit.not_requester")
    if click.purpose in (Purpose.APPROVE, *RESOLVING) and requester and not approval.requester_may_approve:
        if click.purpose is Purpose.APPROVE:
            return Refusal(
                reason="You asked for this, so someone else has to approve it.", audit_kind="click.self_approval"
            )
        return Refusal(
            reason="You asked for this, so someone who could approve it has to resolve it.",
            audit_kind="click.self_approval",
        )
    return None


def _external(click: Click, approval: ApprovalRecord, installation: Installation | None) -> Refusal | None:
    """People of another organisation decide only where the rule allows it; a requester may still withdraw."""
    if approval.external_users or not click.external(installation) or not needs_membership(click, approval):
        return None
    return Refusal(
        reason=(
            "You're in another organisation (Slack Connect), and policy rule "
            f"`{escape(approval.rule)}` lets only people of this workspace decide on this."
        ),
        audit_kind="click.external",
    )


def needs_membership(click: Click, approval: ApprovalRecord) -> bool:
    """The requester may always edit or withdraw their own request; everything else needs an approver."""
    requester = click.user == approval.requester
    return not (requester and click.purpose in (Purpose.REJECT, Purpose.EDIT))


def counted_approvers(approval: ApprovalRecord, decisions: Iterable[DecisionRecord]) -> set[str]:
    """The distinct people whose approval counts: every approver, the requester only when the rule allows it."""
    return {
        d.user_id
        for d in decisions
        if d.decision is Decision.APPROVE and (approval.requester_may_approve or d.user_id != approval.requester)
    }


def quorum_met(approval: ApprovalRecord, decisions: Iterable[DecisionRecord]) -> bool:
    """The one quorum rule: used when a click decides, when the step executes and when it is retried."""
    return len(counted_approvers(approval, decisions)) >= approval.required


def _decided_reason(status: ApprovalStatus) -> str:
    return {
        ApprovalStatus.APPROVED: "This request was already approved.",
        ApprovalStatus.REJECTED: "This request was already rejected.",
        ApprovalStatus.EXPIRED: "This request has expired; nothing was run.",
        ApprovalStatus.SUPERSEDED: "This card was replaced by a newer request.",
    }.get(status, "This request is no longer open.")
