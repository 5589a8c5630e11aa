"""From the validated file to resolved rules: inheritance from `defaults`, and the checks across fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from bot.approvals import approver_specs as specs
from bot.approvals import policy_schema as schema
from bot.approvals.policy_rules import GLOB_CHARS, PolicyRule
from bot.core.approval_rules import ApprovalRules
from bot.core.durations import format_duration
from bot.core.suggest import did_you_mean
from bot.core.yaml_source import Document, Path, Problem


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One resolved setting and where it was written (`rule`, `defaults` or `built-in`)."""

    value: Any
    line: int | None
    origin: str

    @property
    def text(self) -> str:
        return format_duration(self.value) if isinstance(self.value, timedelta) else str(self.value)

    @property
    def origin_note(self) -> str:
        return "" if self.origin == "rule" else f", {_ORIGINS[self.origin]}"

    @property
    def whence(self) -> str:
        return "" if self.origin == "rule" else f" ({_ORIGINS[self.origin]})"


_ORIGINS = {"defaults": "from defaults", "built-in": "not set in the file"}


Resolved = dict[str, Setting]


def built_in(fallback: ApprovalRules) -> Resolved:
    values = {
        "approvers": fallback.approvers,
        "required": fallback.required,
        "expires_after": fallback.ttl,
        "remind_before": fallback.remind_before,
        "requester_may_approve": fallback.requester_may_approve,
        "escalate_to": fallback.escalate_to,
        "only_in": fallback.only_in,
        "requesters": fallback.requesters,
        "external_users": fallback.external_users,
    }
    return {name: Setting(value=value, line=None, origin="built-in") for name, value in values.items()}


def resolve(raw: schema.Settings, path: Path, inherited: Resolved, doc: Document, origin: str) -> Resolved:
    """Settings written at `path` override the inherited ones."""
    out = dict(inherited)
    for name in schema.SETTINGS:
        value = getattr(raw, name)
        if value is not None:
            out[name] = Setting(value=_normalised(name, value), line=doc.line((*path, name)), origin=origin)
    return out


def _normalised(name: str, value: Any) -> Any:
    if name == "approvers":
        return () if list(value) == [specs.ANYONE] else tuple(dict.fromkeys(value))
    if name == "external_users":
        return value == "allow"
    return tuple(dict.fromkeys(value)) if isinstance(value, list) else value


def approval_rules(settings: Resolved, rule: str) -> ApprovalRules:
    return ApprovalRules(
        approvers=settings["approvers"].value,
        required=settings["required"].value,
        requester_may_approve=settings["requester_may_approve"].value,
        ttl=settings["expires_after"].value,
        remind_before=settings["remind_before"].value,
        escalate_to=settings["escalate_to"].value,
        only_in=settings["only_in"].value,
        rule=rule,
        requesters=settings["requesters"].value,
        external_users=settings["external_users"].value,
    )


def cross_check(settings: Resolved, origin: str, fallback_line: int | None) -> list[Problem]:
    """Problems between fields, reported once: where at least one of the fields involved is written."""
    return [p for p in (_reminder(settings, origin, fallback_line), _quorum(settings, origin, fallback_line)) if p]


def _reminder(settings: Resolved, origin: str, fallback_line: int | None) -> Problem | None:
    ttl, remind = settings["expires_after"], settings["remind_before"]
    if remind.value is None or remind.value < ttl.value or origin not in (ttl.origin, remind.origin):
        return None
    text = (
        f"`remind_before` ({remind.text}{remind.origin_note}) must be shorter than "
        f"`expires_after` ({ttl.text}{ttl.origin_note})"
    )
    return Problem(line=_line_of(origin, fallback_line, remind, ttl), problem=text)


def _quorum(settings: Resolved, origin: str, fallback_line: int | None) -> Problem | None:
    approvers, required = settings["approvers"], settings["required"]
    users = approvers.value
    if not users or not all(specs.is_user(s) for s in users) or required.value <= len(users):
        return None
    if origin not in (approvers.origin, required.origin):
        return None
    text = (
        f"`required` is {required.text}{required.whence} but `approvers`{approvers.whence} lists only {len(users)} "
        f"user{'s' if len(users) > 1 else ''}: add people, or use a group or `channel`"
    )
    return Problem(line=_line_of(origin, fallback_line, required, approvers), problem=text)


def _line_of(origin: str, fallback: int | None, *settings: Setting) -> int | None:
    return next((s.line for s in settings if s.origin == origin and s.line is not None), fallback)


def check_tools(rule: schema.Rule, path: Path, doc: Document, known: Iterable[str] | None) -> list[Problem]:
    """Tool names the registry doesn't have, and patterns that match none of its tools."""
    if known is None:
        return []
    names = sorted(set(known))
    problems = []
    for index, pattern in enumerate(rule.tools):
        line = doc.line((*path, "tools", index))
        if GLOB_CHARS & set(pattern):
            if not any(fnmatchcase(name, pattern) for name in names):
                problems.append(Problem(line=line, problem=f"`{pattern}` in `tools` matches no tool"))
        elif pattern not in names:
            hint = did_you_mean(pattern, names, limit=1)
            suggestion = f" (did you mean `{hint[0]}`?)" if hint else ""
            problems.append(Problem(line=line, problem=f"unknown tool `{pattern}`{suggestion}"))
    return problems


def check_order(rules: list[PolicyRule]) -> list[Problem]:
    """Duplicate names, and rules that an earlier rule always wins over (first match wins)."""
    problems = []
    for index, rule in enumerate(rules):
        earlier = rules[:index]
        same = next((r for r in earlier if r.name == rule.name), None)
        if same is not None:
            text = f"rule name `{rule.name}` is already used on line {same.line}"
            problems.append(Problem(line=rule.line, problem=text))
        winner = next((r for r in earlier if r.shadows(rule)), None)
        if winner is not None:
            text = f"rule `{rule.name}` can never apply: rule `{winner.name}` (line {winner.line}) matches first"
            problems.append(Problem(line=rule.line, problem=text))
    return problems
