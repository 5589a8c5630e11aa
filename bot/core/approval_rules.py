"""What the policy says for one action: who may ask for it, who may approve it, how many must, for how long, where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

CHANNEL = "channel"
GROUP_PREFIX = "group:"
ANYONE = "anyone"
ERP_TOOLS = "erp_*"  # the ERP unit's tools: by default only members of the channel may ask for them


def is_erp(tool: str) -> bool:
    return fnmatchcase(tool, ERP_TOOLS)


def default_requesters(tool: str) -> tuple[str, ...]:
    """Who may ask for a tool when the policy doesn't say: anyone, and for the ERP's tools members of the channel."""
    return (CHANNEL,) if is_erp(tool) else (ANYONE,)


@dataclass(frozen=True, kw_only=True)
class Asker:
    """Who asked for an action, as the requester check needs them: their id, the conversation they asked in and
    their home team when the request said (None: the workspace's own)."""

    user: str
    channel: str | None
    team_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ApprovalRules:
    """Who may approve one action, how many must, and for how long: what the policy file says for it.

    `approvers` holds approver specs: a user id (`U123`), a user group (`group:S123` or `group:release-managers`
    by handle), or `channel` (members of the request's channel). Empty means anyone but the requester.
    `requesters` holds the same specs, or `anyone`, for who may ask (every tool, reads included); None means the
    tool's default (`default_requesters`). `external_users` lets people of other organisations (Slack Connect) ask
    for risky and ERP actions and decide on them; without it they may only ask for the other reads.
    """

    approvers: tuple[str, ...] = ()
    required: int = 1
    requester_may_approve: bool = False
    ttl: timedelta = timedelta(hours=2)
    remind_before: timedelta | None = None
    escalate_to: tuple[str, ...] = ()
    only_in: tuple[str, ...] = ()
    rule: str = "default"
    requesters: tuple[str, ...] | None = None
    external_users: bool = False

    def who_may_ask(self, tool: str) -> tuple[str, ...]:
        return self.requesters if self.requesters is not None else default_requesters(tool)

    def expires_at(self, now: datetime) -> datetime:
        return now + self.ttl

    def remind_at(self, now: datetime) -> datetime | None:
        if self.remind_before is None or self.remind_before >= self.ttl:
            return None
        return self.expires_at(now) - self.remind_before
