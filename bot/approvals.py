"""Approval rules, pure: the action hash and the checks every click must pass (failing closed)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain import ApprovalStatus, Decision


def action_hash(*, tool: str, args: dict[str, Any], requester: str, team_id: str) -> str:
    """Bind an approval to the exact action: any change of tool, argument, requester or team breaks it."""
    canonical = json.dumps(
        {"tool": tool, "args": args, "requester": requester, "team": team_id},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


CHANNEL = "channel"
GROUP_PREFIX = "group:"


@dataclass(frozen=True, kw_only=True)
class ApprovalRules:
    """Who may approve one action, how many must, and for how long: what the policy file says for it.

    `approvers` holds approver specs: a user id (`U123`), a user group (`group:S123` or `group:release-managers`
    by handle), or `channel` (members of the request's channel). Empty means anyone but the requester.
    """

    approvers: tuple[str, ...] = ()
    required: int = 1
    requester_may_approve: bool = False
    ttl: timedelta = timedelta(hours=2)
    remind_before: timedelta | None = None
    escalate_to: tuple[str, ...] = ()
    only_in: tuple[str, ...] = ()
    rule: str = "default"

    def expires_at(self, now: datetime) -> datetime:
        return now + self.ttl

    def remind_at(self, now: datetime) -> datetime | None:
        if self.remind_before is None or self.remind_before >= self.ttl:
            return None
        return self.expires_at(now) - self.remind_before


@dataclass(frozen=True, kw_only=True)
class Click:
    approval_id: str
    user: str
    team_id: str
    channel: str | None
    decision: Decision
    trigger_id: str | None = None
    reason: str | None = None
    from_modal: bool = False


@dataclass(frozen=True, kw_only=True)
class Refusal:
    reason: str
    audit_kind: str


def check_click(
    click: Click,
    approval: dict[str, Any] | None,
    *,
    current_hash: str | None,
    now: datetime,
) -> Refusal | None:
    """Why this click must be refused, or None. Runs on every click, before anything changes.

    Membership (user groups, channel) is checked afterwards by bot.membership, which needs the directory.
    """
    if approval is None:
        return Refusal(reason="I can't find that approval request any more.", audit_kind="click.unknown")
    if approval["team_id"] != click.team_id or (approval["channel"] and approval["channel"] != click.channel):
        return Refusal(reason="This button does not belong to this conversation.", audit_kind="click.mismatch")
    status = ApprovalStatus(approval["status"])
    if status is not ApprovalStatus.PENDING:
        return Refusal(reason=_decided_reason(status), audit_kind="click.decided")
    if approval["expires_at"] <= now:
        return Refusal(reason="This request has expired; nothing was run. Ask again.", audit_kind="click.expired")
    if current_hash is None or current_hash != approval["action_hash"]:
        return Refusal(
            reason="The action changed since this card was posted, so this card can't approve it.",
            audit_kind="click.hash_mismatch",
        )
    self_approval = click.decision is Decision.APPROVE and click.user == approval["requester"]
    if self_approval and not approval.get("requester_may_approve"):
        return Refusal(
            reason="You asked for this, so someone else has to approve it.", audit_kind="click.self_approval"
        )
    return None


def needs_membership(click: Click, approval: dict[str, Any]) -> bool:
    """The requester may always withdraw their own request; every other decision needs an approver."""
    return not (click.decision is Decision.REJECT and click.user == approval["requester"])


def _decided_reason(status: ApprovalStatus) -> str:
    return {
        ApprovalStatus.APPROVED: "This request was already approved.",
        ApprovalStatus.REJECTED: "This request was already rejected.",
        ApprovalStatus.EXPIRED: "This request has expired; nothing was run.",
        ApprovalStatus.SUPERSEDED: "This card was replaced by a newer request.",
    }.get(status, "This request is no longer open.")
