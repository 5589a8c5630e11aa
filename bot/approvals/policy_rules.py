"""A resolved policy rule: what it matches and the `ApprovalRules` it gives, plus how it reads in `describe`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from bot.approvals import approver_specs as specs
from bot.core.approval_rules import ANYONE, CHANNEL, ERP_TOOLS, ApprovalRules, default_requesters
from bot.core.durations import format_duration

GLOB_CHARS = frozenset("*?[")


def _any(value: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(value.lower(), p.lower()) for p in patterns)


@dataclass(frozen=True, kw_only=True)
class PolicyRule:
    """One rule (or the defaults): matchers, and the approval settings with defaults already folded in."""

    name: str
    approval: ApprovalRules
    tools: tuple[str, ...] = ("*",)
    repos: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()  # matched against the call's `environment` (review_deployment, …)
    channels: tuple[str, ...] = ()
    line: int | None = None

    @property
    def matches_everything(self) -> bool:
        return "*" in self.tools and not self.repos and not self.environments and not self.channels

    def matches(self, tool: str, args: Mapping[str, Any], *, channel_id: str | None, channel_name: str | None) -> bool:
        if not any(fnmatchcase(tool, pattern) for pattern in self.tools):
            return False
        if self.repos:
            repo = args.get("repo")
            if not isinstance(repo, str) or not any(fnmatchcase(repo.lower(), p.lower()) for p in self.repos):
                return False
        if self.environments:
            environment = args.get("environment")
            if not isinstance(environment, str) or not _any(environment, self.environments):
                return False
        return not self.channels or specs.in_channels(self.channels, channel_id=channel_id, channel_name=channel_name)

    def shadows(self, later: PolicyRule) -> bool:
        """Whether this rule matches every action `later` could match, so `later` would never be used."""
        if self.repos or self.environments or self.channels:
            return False
        if "*" in self.tools:
            return True
        literal = all(not (GLOB_CHARS & set(tool)) for tool in later.tools)
        return literal and all(any(fnmatchcase(t, p) for p in self.tools) for t in later.tools)

    def describe(self) -> str:
        """`releases: merge_pull_request in acme/* → 2 of @release-managers, expires 2h, reminder 30m before`."""
        scope = ", ".join(self.tools)
        if self.repos:
            scope += " in " + ", ".join(self.repos)
        if self.environments:
            scope += " to " + ", ".join(self.environments)
        if self.channels:
            scope += " asked in " + ", ".join(self.channels)
        rules = self.approval
        asked = f"; asked by {_asked_by(rules.requesters)}" if rules.requesters is not None else ""
        external = "; external users allowed" if rules.external_users else ""
        return f"{self.name}: {scope} → {describe_approval(rules)}{asked}{external}"

    def describe_defaults(self) -> str:
        """The defaults' line: approvals for write and dangerous tools, then who may ask for any tool."""
        rules = self.approval
        if rules.requesters is not None:
            asked = _asked_by(rules.requesters)
        else:
            asked = f"{_asked_by(default_requesters('*'))} ({ERP_TOOLS}: {_asked_by(default_requesters(ERP_TOOLS))})"
        external = "allowed" if rules.external_users else "not allowed"
        return (
            f"{self.name} (any other action) → write and dangerous: {describe_approval(rules)}; "
            f"asked by {asked}; external users (Slack Connect) {external}"
        )


def _asked_by(requesters: tuple[str, ...]) -> str:
    if requesters == (ANYONE,):
        return "anyone"
    return ", ".join("anyone in the channel" if s == CHANNEL else specs.show(s) for s in requesters)


def describe_approval(rules: ApprovalRules) -> str:
    parts = [_who(rules), f"expires {format_duration(rules.ttl)}"]
    if rules.remind_before is not None:
        parts.append(f"reminder {format_duration(rules.remind_before)} before")
    if rules.escalate_to:
        parts.append("escalate to " + ", ".join(specs.show(s) for s in rules.escalate_to))
    if rules.requester_may_approve:
        parts.append("requester may approve")
    if rules.only_in:
        parts.append("only in " + ", ".join(rules.only_in))
    return ", ".join(parts)


def _who(rules: ApprovalRules) -> str:
    count = rules.required
    if not rules.approvers:
        return f"{count} approval{'s' if count > 1 else ''} from anyone but the requester"
    if rules.approvers == (CHANNEL,):
        return f"{count} approval{'s' if count > 1 else ''} from anyone in the channel"
    return f"{count} of " + ", ".join(specs.show(s) for s in rules.approvers)


def only_in_reason(subject: str, rules: ApprovalRules) -> str:
    places = [specs.show_channel(s) for s in sorted(rules.only_in, key=lambda s: not s.startswith("#"))]
    joined = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " or " + places[-1]
    return f"{subject} is only allowed in {joined}."
