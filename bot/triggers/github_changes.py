"""GitHub webhook bodies (as the inbox keeps them) → typed changes: a PR, a CI run, job or check, a push, a comment.

Read once here, with readers that never raise: a field of the wrong type reads as absent.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.domain import Event
from bot.core.jsonvalue import JsonObject, dig, number, obj, objects, optional_text, text
from bot.triggers.deploy_changes import DeploymentGate, DeploymentState, deployment_gate, deployment_state
from bot.triggers.trigger_rules import Facts

CI_EVENTS = ("workflow_run", "workflow_job", "check_run")


@dataclass(frozen=True, kw_only=True)
class Pull:
    number: int | None
    title: str
    url: str | None
    author: str | None
    sha: str | None  # the head commit
    head: str | None
    base: str | None
    additions: int
    deletions: int
    changed_files: int
    merged: bool
    state: str | None

    @property
    def branch(self) -> str | None:
        return self.base

    def values(self) -> JsonObject:
        return {
            "number": self.number,
            "title": self.title,
            "url": self.url,
            "author": self.author,
            "sha": self.sha,
            "head": self.head,
            "base": self.base,
            "branch": self.base,
            "additions": self.additions,
            "deletions": self.deletions,
            "changed_files": self.changed_files,
            "merged": self.merged,
            "state": self.state,
        }


@dataclass(frozen=True, kw_only=True)
class CiRun:
    """A workflow run, a workflow job or a check run."""

    kind: str  # one of CI_EVENTS
    run_id: int | None
    job: str | None  # a job's or check's name
    workflow: str | None
    branch: str | None
    sha: str | None
    conclusion: str | None
    attempt: int
    url: str | None
    prs: tuple[int, ...]
    number: int | None  # the first PR

    def values(self) -> JsonObject:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "workflow": self.workflow,
            "branch": self.branch,
            "sha": self.sha,
            "conclusion": self.conclusion,
            "attempt": self.attempt,
            "url": self.url,
            "prs": list(self.prs),
            "number": self.number,
        }


@dataclass(frozen=True, kw_only=True)
class Push:
    branch: str
    sha: str | None

    def values(self) -> JsonObject:
        return {"branch": self.branch, "sha": self.sha}


@dataclass(frozen=True, kw_only=True)
class Comment:
    number: int | None
    body: str | None

    def values(self) -> JsonObject:
        return {"number": self.number, "comment": self.body}


@dataclass(frozen=True, kw_only=True)
class GitHubChange:
    """One GitHub event: what the handlers use (`detail`), and what rules match and fill templates from (`facts`)."""

    action: str
    repo: str
    sender: str
    detail: Pull | CiRun | Push | Comment | DeploymentGate | DeploymentState | None
    facts: Facts


def github_change(event: Event) -> GitHubChange:
    name, body = text(event.payload.get("event")), obj(event.payload.get("body"))
    repo = text(dig(body, "repository", "full_name"))
    sender = event.actor.removeprefix("github:")
    detail = _detail(name, body)
    values: JsonObject = {"repo": repo, "sender": sender, "event": event.type}
    if detail is not None:
        values.update(detail.values())
    branch = detail.branch if isinstance(detail, Pull | CiRun | Push | DeploymentGate | DeploymentState) else None
    environment = detail.environment if isinstance(detail, DeploymentGate | DeploymentState) else None
    facts = Facts(
        source="github", type=event.type, repo=repo or None, branch=branch, environment=environment, values=values
    )
    action = event.type.partition(".")[2]
    return GitHubChange(action=action, repo=repo, sender=sender, detail=detail, facts=facts)


def _detail(
    name: str, body: dict[str, object]
) -> Pull | CiRun | Push | Comment | DeploymentGate | DeploymentState | None:
    item = obj(body.get(name))
    if name == "deployment_protection_rule":
        return deployment_gate(body)
    if name == "deployment_status":
        return deployment_state(body)
    if name == "pull_request":
        return _pull(item)
    if name in CI_EVENTS:
        return _ci(name, item)
    if name == "push":
        return Push(branch=text(body.get("ref")).removeprefix("refs/heads/"), sha=optional_text(body.get("after")))
    if name == "issue_comment":
        return Comment(number=number(dig(body, "issue", "number")), body=optional_text(dig(body, "comment", "body")))
    return None


def _int(value: object, default: int) -> int:
    found = number(value)
    return default if found is None else found


def _pull(pr: dict[str, object]) -> Pull:
    return Pull(
        number=number(pr.get("number")),
        title=text(pr.get("title")),
        url=optional_text(pr.get("html_url")),
        author=optional_text(dig(pr, "user", "login")),
        sha=optional_text(dig(pr, "head", "sha")),
        head=optional_text(dig(pr, "head", "ref")),
        base=optional_text(dig(pr, "base", "ref")),
        additions=_int(pr.get("additions"), 0),
        deletions=_int(pr.get("deletions"), 0),
        changed_files=_int(pr.get("changed_files"), 0),
        merged=pr.get("merged") is True,
        state=optional_text(pr.get("state")),
    )


def _ci(name: str, item: dict[str, object]) -> CiRun:
    found = (number(p.get("number")) for p in objects(item.get("pull_requests")))
    prs = tuple(n for n in found if n is not None)
    workflow = optional_text(item.get("workflow_name")) or optional_text(item.get("name"))
    return CiRun(
        kind=name,
        run_id=number(item.get("id") if name == "workflow_run" else item.get("run_id")),
        job=optional_text(item.get("name")) if name != "workflow_run" else None,
        workflow=workflow or optional_text(dig(item, "workflow", "name")),
        branch=optional_text(item.get("head_branch")) or optional_text(dig(item, "check_suite", "head_branch")),
        sha=optional_text(item.get("head_sha")),
        conclusion=optional_text(item.get("conclusion")),
        attempt=_int(item.get("run_attempt"), 1),
        url=optional_text(item.get("html_url")),
        prs=prs,
        number=prs[0] if prs else None,
    )


def pr_key(repo: str, number: int) -> str:
    """A PR's own thread: repository + PR number, nothing else."""
    return f"gh:{repo.lower()}:pr:{number}"


def commit_key(repo: str, sha: str) -> str:
    """A commit's own CI thread, for CI of a commit that belongs to no PR (never an alias of a PR's thread)."""
    return f"gh:{repo.lower()}:commit:{sha}"


def head_key(repo: str, sha: str) -> str:
    """An alias pointing at the thread of the open PR last announced (or updated) with this head commit: how a CI
    event that names no PR (a `workflow_job`, a fork's run) finds its PR. Only followed after checking that the
    PR is still open and its head is still this commit (`GitHubReactions`)."""
    return f"gh:{repo.lower()}:head:{sha}"


def is_head_key(key: str) -> bool:
    return key.split(":")[2:3] == ["head"]  # a repository's full name has no ':'


def thread_keys(change: GitHubChange) -> list[str]:
    """Where the change's thread is looked up, best first.

    A PR event or a comment: its PR's key only — never its commit's, so a second PR from the same head commit gets
    its own thread, and a PR opened after CI failed on its head does not take over that CI thread. A CI event
    whose payload lists `pull_requests`: those PRs' keys, then its commit's (when none of those PRs was announced).
    A CI event naming no PR, or a push: its commit's head alias (see `head_key`), then its commit's own key.
    """
    repo, d = change.repo, change.detail
    numbers: list[int] = []
    if isinstance(d, CiRun) and d.prs:
        numbers = list(d.prs)
    elif isinstance(d, Pull | Comment) and d.number:
        numbers = [d.number]
    keys = [pr_key(repo, n) for n in numbers]
    if isinstance(d, Pull | Comment):
        return keys
    sha = d.sha if isinstance(d, CiRun | Push) else None
    if not sha:
        return keys
    return [*keys, commit_key(repo, sha)] if keys else [head_key(repo, sha), commit_key(repo, sha)]
