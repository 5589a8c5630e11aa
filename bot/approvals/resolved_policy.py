"""The policy as the runner needs it: rules per action, and channel limits checked with real channel names."""

from __future__ import annotations

from bot.approvals.policy import Policy
from bot.core.approval_rules import ApprovalRules
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Directory


class ResolvedPolicy:
    """Implements bot.core.ports.PolicyPort over a parsed Policy; looks up a channel's name only when a rule
    names channels by `#name`. A failed lookup refuses the action (fail closed)."""

    def __init__(self, policy: Policy, directory: Directory) -> None:
        self.policy = policy
        self.directory = directory
        self._matches_names = any(c.startswith("#") for rule in policy.rules for c in rule.channels)

    async def rules_for(self, tool: str, args: JsonObject, channel: str | None) -> ApprovalRules:
        name = None
        if channel and self._matches_names:
            try:
                name = await self.directory.channel_name(channel)
            except Exception:
                name = None  # a rule naming channels by #name then does not match; the defaults still apply
        return self.policy.rules_for(tool, args, channel_id=channel, channel_name=name)

    async def refusal(self, tool: str, rules: ApprovalRules, channel: str | None) -> str | None:
        if not rules.only_in:
            return None
        name = None
        if channel and any(c.startswith("#") for c in rules.only_in):
            try:
                name = await self.directory.channel_name(channel)
            except Exception:
                return f"I couldn't check where `{tool}` is allowed (a Slack lookup failed), so I won't run it."
        return self.policy.allowed_in(rules, channel_id=channel, channel_name=name, tool=tool)
