"""Plain values the GitHub gateway returns, so no PyGithub object leaves a worker thread."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FAILED_CONCLUSIONS = frozenset({"failure", "timed_out", "cancelled", "action_required", "startup_failure"})


def timestamp(value: str) -> datetime:
    """A time as GitHub writes it (ISO 8601 in UTC, `2026-12-01T10:00:00Z`), time zone aware."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def login_of(user: Any) -> str:
    """A user's login from GitHub's JSON; a deleted account is GitHub's "ghost" (REST names it, GraphQL says null)."""
    return str((user or {}).get("login", "ghost"))


class CheckState(enum.StrEnum):
    PASSING = "passing"
    FAILING = "failing"
    PENDING = "pending"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            CheckState.PASSING: "✅ passing",
            CheckState.FAILING: "❌ failing",
            CheckState.PENDING: "⏳ pending",
            CheckState.NONE: "—",
        }[self]


@dataclass(frozen=True, kw_only=True)
class Checks:
    """The checks of one commit: commit statuses and check runs together."""

    state: CheckState
    failing: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    total: int = 0

    @property
    def summary(self) -> str:
        if self.state is CheckState.FAILING:
            return f"{self.state.label} ({', '.join(self.failing)})"
        if self.state is CheckState.NONE:
            return "no checks"
        return f"{self.state.label} ({self.total} check{'' if self.total == 1 else 's'})"


NO_CHECKS = Checks(state=CheckState.NONE)


def summarize_checks(statuses: Iterable[tuple[str, str]], check_runs: Iterable[tuple[str, str, str | None]]) -> Checks:
    """Combine commit statuses `(context, state)` and check runs `(name, status, conclusion)`."""
    failing: list[str] = []
    pending: list[str] = []
    total = 0
    for context, state in statuses:
        total += 1
        if state in ("failure", "error"):
            failing.append(context)
        elif state == "pending":
            pending.append(context)
    for name, status, conclusion in check_runs:
        total += 1
        if status != "completed":
            pending.append(name)
        elif conclusion in FAILED_CONCLUSIONS:
            failing.append(name)
    state = _overall(total, failing, pending)
    return Checks(state=state, failing=tuple(failing), pending=tuple(pending), total=total)


def _overall(total: int, failing: list[str], pending: list[str]) -> CheckState:
    if failing:
        return CheckState.FAILING
    if pending:
        return CheckState.PENDING
    return CheckState.PASSING if total else CheckState.NONE


@dataclass(frozen=True, kw_only=True)
class PullSummary:
    number: int
    title: str
    author: str
    created_at: datetime
    url: str
    head_sha: str
    checks: Checks = NO_CHECKS
    draft: bool = False
    requested_reviewers: tuple[str, ...] = ()  # logins GitHub still waits on (a review given removes the login)
    requested_teams: tuple[str, ...] = ()  # team slugs
    mergeable: bool | None = None  # False: it conflicts with its base branch; None: GitHub has not computed it yet


@dataclass(frozen=True, kw_only=True)
class PullDetail:
    number: int
    title: str
    author: str
    head: str
    base: str
    state: str
    merged: bool
    mergeable: bool | None
    mergeable_state: str
    url: str
    head_sha: str
    checks: Checks = NO_CHECKS
    body: str = ""


@dataclass(frozen=True, kw_only=True)
class RunSummary:
    id: int
    name: str
    branch: str
    sha: str
    conclusion: str | None
    created_at: datetime
    url: str
    title: str = ""  # the run's display title: for a push, the head commit's message


@dataclass(frozen=True, kw_only=True)
class IssueRef:
    number: int
    title: str
    url: str
    reconciled: bool = False


@dataclass(frozen=True, kw_only=True)
class IssueDetail:
    number: int
    title: str
    state: str  # open or closed
    state_reason: str | None  # completed, not_planned, reopened, duplicate; None while never closed
    url: str
    pull: bool = False  # the issue of a pull request: closing it closes the pull request
    reconciled: bool = False  # GitHub's answer was lost, but a second look found it closed

    @property
    def kind(self) -> str:
        return "Pull request" if self.pull else "Issue"


@dataclass(frozen=True, kw_only=True)
class IssueSummary:
    """An issue as the issues list shows it (never a pull request: the list's pull requests are left out)."""

    number: int
    title: str
    state: str  # open or closed
    author: str
    created_at: datetime
    url: str
    labels: tuple[str, ...] = ()  # label names
    assignees: tuple[str, ...] = ()  # logins


@dataclass(frozen=True, kw_only=True)
class IssueList:
    issues: tuple[IssueSummary, ...]
    more: bool = False  # GitHub may list more than these: the limit was reached, or the scan stopped
