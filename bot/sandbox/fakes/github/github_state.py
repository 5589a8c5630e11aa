"""What the fake GitHub holds (repositories, pull requests, runs, issues) and what it records."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NotRequired, TypedDict

from bot.core.jsonvalue import Json, JsonObject

# -- state tests can set ------------------------------------------------------------------------------


@dataclass(kw_only=True)
class FakePull:
    number: int
    title: str
    author: str
    head: str
    base: str
    head_sha: str
    mergeable: bool | None
    mergeable_state: str
    created_at: datetime
    state: str = "open"
    merged: bool = False
    body: str = ""
    draft: bool = False
    requested_reviewers: list[str] = field(default_factory=list)  # logins
    requested_teams: list[str] = field(default_factory=list)  # slugs
    additions: int = 12
    deletions: int = 3
    changed_files: int = 2
    commits: int = 1
    merged_by: str | None = None  # a login, once merged
    closed_at: datetime | None = None

    def as_issue(self) -> FakeIssue:
        """The pull request as the issues API shows it (its JSON then gets `pull_request`)."""
        item = FakeIssue(
            number=self.number, title=self.title, body=self.body, user=self.author, created_at=self.created_at
        )
        item.state, item.closed_at = self.state, self.closed_at
        return item


@dataclass(kw_only=True)
class FakeRun:
    id: int
    name: str
    branch: str
    head_sha: str
    conclusion: str | None
    created_at: datetime
    status: str = "completed"
    event: str = "push"
    attempt: int = 1
    title: str = ""  # display title: the head commit's message for a push
    number: int = 1  # the run number, counted per workflow
    path: str = ".github/workflows/ci.yml"
    actor: str = "ana"


@dataclass(kw_only=True)
class FakeIssue:
    number: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    state: str = "open"
    state_reason: str | None = None  # completed, not_planned, duplicate once closed; reopened
    closed_at: datetime | None = None
    closed_by: str | None = None  # a login
    labels: list[str] = field(default_factory=list)  # label names
    assignees: list[str] = field(default_factory=list)  # logins


@dataclass(kw_only=True)
class FakeWorkflow:
    id: int
    file: str
    name: str
    dispatchable: bool = True
    required_inputs: tuple[str, ...] = ()
    optional_inputs: tuple[str, ...] = ()  # declared under workflow_dispatch.inputs, not required
    state: str = "active"  # or disabled_manually, disabled_inactivity


@dataclass(kw_only=True)
class FakeCommit:
    sha: str
    message: str
    author: str


@dataclass(kw_only=True)
class FakeDeployment:
    id: int
    environment: str
    sha: str
    ref: str
    created_at: datetime
    states: list[str] = field(default_factory=list)  # its statuses' states, oldest first


@dataclass(kw_only=True)
class FakeRepo:
    full_name: str
    id: int
    private: bool = False
    branches: set[str] = field(default_factory=lambda: {"main"})
    pulls: dict[int, FakePull] = field(default_factory=dict)
    runs: dict[int, FakeRun] = field(default_factory=dict)
    issues: dict[int, FakeIssue] = field(default_factory=dict)
    workflows: list[FakeWorkflow] = field(default_factory=list)
    gate_reviews: list[dict[str, object]] = field(default_factory=list)  # answers to deployment protection rules
    history: list[FakeCommit] = field(default_factory=list)  # the default branch's commits, oldest first
    deployments: list[FakeDeployment] = field(default_factory=list)  # oldest first

    def next_number(self) -> int:
        return max([0, *self.pulls, *self.issues]) + 1


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Json  # the decoded body; None when there was none
    headers: dict[str, str]  # without Authorization: `by` says whose credential it was
    by: str = "nobody"  # "installation <id>", "app" (its JWT), "token" (a personal one) or "nobody"


class RecordedMerge(TypedDict):
    """A pull request the fake merged: which, how, the merge commit, and what the request said."""

    repo: str
    number: int
    method: str
    sha: str | None  # the merge commit, or the `sha` the request named (the head's, or null) when it named one
    merge_method: NotRequired[str]
    commit_title: NotRequired[Json]
    commit_message: NotRequired[Json]


class RecordedComment(TypedDict):
    repo: str
    number: int
    body: str
    id: int


class RecordedDispatch(TypedDict):
    repo: str
    workflow: str  # the workflow's file name
    ref: str
    inputs: JsonObject


class RecordedRerun(TypedDict):
    repo: str
    run_id: int


@dataclass(kw_only=True)
class Reply:
    status: int
    body: object = None  # a JSON object or array → sent as JSON, str → sent as is, None → empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Fault:
    method: str
    path: re.Pattern[str]
    reply: Reply
    times: int
    apply: bool  # True: do the real work first, then answer with the fault (a "ghost write")


@dataclass(frozen=True, kw_only=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Json
    params: dict[str, str]
    repo: FakeRepo | None


def _sha(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


CheckRun = tuple[str, str, str | None]  # name, status, conclusion
CHECKS: dict[str, list[CheckRun]] = {
    "passing": [("test", "completed", "success")],
    "failing": [("lint", "completed", "success"), ("test", "completed", "failure")],
    "pending": [("test", "in_progress", None)],
}
