"""The policy as the runner needs it: rules per action, and channel limits checked with real channel names."""

from __future__ import annotations

from bot.approvals.membership import Membership
from bot.approvals.policy import Policy
from bot.approvals.requesters import ask_refusal
from bot.core.approval_rules import ApprovalRules, Asker
from bot.core.installation import InstallationSource
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Directory


class ResolvedPolicy:
    """Implements bot.core.ports.PolicyPort over a parsed Policy; looks up a channel's name only when a rule
    names channels by `#name`. A failed lookup refuses the action (fail closed). Also says who may ask
    (`ask_refusal`): `installation` tells external users (Slack Connect) from the workspace's own."""

    def __init__(self, policy: Policy, directory: Directory, *, installation: InstallationSource | None = None) -> None:
        self.policy = policy
        self.directory = directory
        self.installation = installation
        self.membership = Membership(directory)
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

    async def ask_refusal(self, tool: str, rules: ApprovalRules, asker: Asker, *, risky: bool) -> str | None:
        """Why this person may not ask for `tool` here (the rule and who may), or None."""
        installation = self.installation() if self.installation is not None else None
        external = installation is not None and installation.is_external(asker.team_id)
        return await ask_refusal(tool, rules, asker, risky=risky, external=external, membership=self.membership)
