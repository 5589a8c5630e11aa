"""What the policy says for one action: who may approve it, how many must, for how long, where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
