"""`Policy`: the approval policy file turned into `ApprovalRules` for each write or dangerous action."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path as FilePath
from typing import Any

from bot.approvals import approver_specs as specs
from bot.approvals import policy_build as build
from bot.approvals.policy_rules import GLOB_CHARS, PolicyRule, only_in_reason
from bot.approvals.policy_schema import PolicyFile
from bot.approvals.policy_validate import validate
from bot.core.approval_rules import ApprovalRules
from bot.core.yaml_source import Document, PolicyError, Problem, read_yaml

DEFAULT_TTL = timedelta(hours=2)


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Rules in file order (first match wins), and the defaults used when none matches."""

    rules: tuple[PolicyRule, ...]
    defaults: PolicyRule
    source: str = "built-in"

    @classmethod
    def from_yaml(
        cls,
        text: str,
        *,
        source: str = "policy.yaml",
        known_tools: Iterable[str] | None = None,
        fallback: ApprovalRules | None = None,
    ) -> Policy:
        """Parse and check a policy file; `fallback` fills what `defaults:` doesn't say. Raises PolicyError."""
        doc = read_yaml(text, source)
        parsed = validate(doc, source)
        base = build.built_in(fallback or ApprovalRules())
        policy, problems = _assemble(parsed, doc, base, known_tools)
        if problems:
            raise PolicyError.of(source, problems)
        return cls(rules=policy.rules, defaults=policy.defaults, source=source)

    @classmethod
    def default(cls, *, approvers: tuple[str, ...] = (), ttl: timedelta = DEFAULT_TTL) -> Policy:
        """No policy file: one approval from `approvers` (empty: anyone but the requester) within `ttl`."""
        rules = ApprovalRules(approvers=tuple(approvers), required=1, ttl=ttl, rule="default")
        return cls(rules=(), defaults=PolicyRule(name="default", approval=rules))

    def rules_for(
        self, tool: str, args: Mapping[str, Any], *, channel_id: str | None, channel_name: str | None = None
    ) -> ApprovalRules:
        """The first rule matching this action, or the defaults: who may ask for it (any tool), and for write and
        dangerous tools who approves it."""
        for rule in self.rules:
            if rule.matches(tool, args, channel_id=channel_id, channel_name=channel_name):
                return rule.approval
        return self.defaults.approval

    def allowed_in(
        self, rules: ApprovalRules, *, channel_id: str | None, channel_name: str | None, tool: str | None = None
    ) -> str | None:
        """None if the action may be asked for in this conversation, else the reason to tell the person."""
        if not rules.only_in or specs.in_channels(rules.only_in, channel_id=channel_id, channel_name=channel_name):
            return None
        return only_in_reason(self._subject(rules, tool), rules)

    def describe(self) -> list[str]:
        """One line per rule, then the defaults; for `opsbot check` and help."""
        return [*(rule.describe() for rule in self.rules), self.defaults.describe_defaults()]

    def _subject(self, rules: ApprovalRules, tool: str | None) -> str:
        if tool is not None:
            return f"`{tool}`"
        rule = next((r for r in self.rules if r.name == rules.rule), None)
        if rule is not None and len(rule.tools) == 1 and not (GLOB_CHARS & set(rule.tools[0])):
            return f"`{rule.tools[0]}`"
        return f"This action (rule `{rules.rule}`)"


def _assemble(
    parsed: PolicyFile, doc: Document, base: build.Resolved, known_tools: Iterable[str] | None
) -> tuple[Policy, list[Problem]]:
    known = None if known_tools is None else tuple(known_tools)
    problems: list[Problem] = []
    defaults = base
    if parsed.defaults is not None:
        defaults = build.resolve(parsed.defaults, ("defaults",), base, doc, "defaults")
        problems += build.cross_check(defaults, "defaults", doc.line(("defaults",)))
    rules = []
    for index, raw in enumerate(parsed.rules or ()):
        path = ("rules", index)
        name = raw.name or f"rule {index + 1}"
        settings = build.resolve(raw, path, defaults, doc, "rule")
        problems += build.cross_check(settings, "rule", doc.line(path))
        problems += build.check_tools(raw, path, doc, known)
        rules.append(
            PolicyRule(
                name=name,
                approval=build.approval_rules(settings, name),
                tools=tuple(raw.tools),
                repos=tuple(raw.repos or ()),
                environments=tuple(raw.environments or ()),
                channels=tuple(raw.channels or ()),
                line=doc.line(path),
            )
        )
    problems += build.check_order(rules)
    default_rule = PolicyRule(name="default", approval=build.approval_rules(defaults, "default"))
    return Policy(rules=tuple(rules), defaults=default_rule), problems


def load_policy(
    path: str | None,
    *,
    approvers: tuple[str, ...] = (),
    ttl: timedelta = DEFAULT_TTL,
    known_tools: Iterable[str] | None = None,
) -> Policy:
    """The policy at `path` (OPSBOT_POLICY), or `Policy.default` when unset. Raises PolicyError naming the file."""
    if not path:
        return Policy.default(approvers=approvers, ttl=ttl)
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyError(path, None, f"can't read the policy file: {reason}") from None
    fallback = ApprovalRules(approvers=tuple(approvers), ttl=ttl)
    return Policy.from_yaml(text, source=path, known_tools=known_tools, fallback=fallback)
