"""GitHub webhook bodies in GitHub's documented shapes from a few of our own values; `Webhook.event` is the header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.jsonvalue import JsonObject, text
from bot.sandbox.fakes.github import objects
from bot.sandbox.fakes.github.ci_webhooks import check_run_completed, workflow_job_completed, workflow_run_completed
from bot.sandbox.fakes.github.deploy_webhooks import deployment_protection_rule_requested, deployment_status_created
from bot.sandbox.fakes.github.github_state import FakeIssue, FakePull
from bot.sandbox.fakes.github.shapes import API, WEB, number_of, repository, sha, simple_user, stamp
from bot.sandbox.fakes.github.webhook_parts import REPO, ZERO_SHA, Webhook, envelope, now_or, repo_of

__all__ = [
    "REPO",
    "Webhook",
    "check_run_completed",
    "deployment_protection_rule_requested",
    "deployment_status_created",
    "issue_comment_created",
    "ping",
    "pull_request",
    "push",
    "workflow_job_completed",
    "workflow_run_completed",
]


def pull_request(
    action: str = "opened",
    *,
    repo: str = REPO,
    number: int = 7,
    title: str = "Add rate limiting to /login",
    author: str = "ana",
    head: str = "rate-limit",
    base: str = "main",
    head_sha: str | None = None,
    merged: bool = False,
    sender: str | None = None,
    additions: int = 12,
    deletions: int = 3,
    changed_files: int = 2,
    at: datetime | None = None,
) -> Webhook:
    """`pull_request` opened, closed (merged or not), reopened or synchronize (a new head commit)."""
    when, owner = now_or(at), repo_of(repo)
    pull = FakePull(
        number=number,
        title=title,
        author=author,
        head=head,
        base=base,
        head_sha=head_sha or sha(f"{repo}#{number}"),
        mergeable=None if action in ("opened", "synchronize") else True,  # GitHub computes it after the event
        mergeable_state="unknown" if action in ("opened", "synchronize") else "clean",
        created_at=when - timedelta(minutes=5) if action != "opened" else when,
        body=f"{title}.\n\nTested locally.",
        additions=additions,
        deletions=deletions,
        changed_files=changed_files,
    )
    if action == "closed":
        pull.state, pull.closed_at, pull.merged = "closed", when, merged
        pull.merged_by = (sender or author) if merged else None
    data = objects.pull_request(owner, pull)
    payload: JsonObject = {"action": action, "number": number, "pull_request": data}
    if action == "synchronize":
        payload.update(before=sha(f"{repo}#{number} before"), after=pull.head_sha)
    return Webhook("pull_request", payload | envelope(owner, sender or author))


def issue_comment_created(
    *,
    repo: str = REPO,
    number: int = 7,
    body: str = "Looks good to me, merging after the deploy window.",
    author: str = "ben",
    title: str = "Add rate limiting to /login",
    opened_by: str = "ana",
    pull: bool = True,
    at: datetime | None = None,
) -> Webhook:
    """`issue_comment.created`: a comment on an issue, or on a pull request's conversation (`pull=True`)."""
    when, owner = now_or(at), repo_of(repo)
    item = FakeIssue(number=number, title=title, body=None, user=opened_by, created_at=when - timedelta(hours=2))
    issue = objects.issue(owner, item, pull=pull) | {"comments": 1}
    del issue["closed_by"]
    comment_id = number_of(f"{repo}#{number}:{body}")
    comment = objects.comment(owner, number, comment_id, body, login=author, when=when)
    payload: JsonObject = {"action": "created", "issue": issue, "comment": comment}
    return Webhook("issue_comment", payload | envelope(owner, author))


def ping(*, repo: str = REPO, hook_id: int = 4242001, events: tuple[str, ...] = ("*",), sender: str = "ben") -> Webhook:
    """`ping`: GitHub's first delivery to a new repository webhook."""
    owner, created = repo_of(repo), stamp(datetime(2025, 1, 6, 10, 0, tzinfo=UTC))
    hooks = f"{API}/repos/{repo}/hooks/{hook_id}"
    hook: JsonObject = {
        "type": "Repository",
        "id": hook_id,
        "name": "web",
        "active": True,
        "events": list(events),
        "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://opsbot.acme.test/webhooks/github"},
        "updated_at": created,
        "created_at": created,
        "url": hooks,
        "test_url": f"{hooks}/test",
        "ping_url": f"{hooks}/pings",
        "deliveries_url": f"{hooks}/deliveries",
        "last_response": {"code": None, "status": "unused", "message": None},
    }
    payload: JsonObject = {"zen": "Ship small, ship often.", "hook_id": hook_id, "hook": hook}
    return Webhook("ping", payload | envelope(owner, sender))


def push(
    *,
    repo: str = REPO,
    branch: str = "rate-limit",
    head_sha: str | None = None,
    before: str | None = None,
    message: str = "Add a token bucket in front of /login",
    author: str = "ana",
    at: datetime | None = None,
) -> Webhook:
    """`push`: one commit pushed to `branch`; with no `before`, the push created the branch."""
    when, owner = now_or(at), repo_of(repo)
    after = head_sha or sha(f"{repo}@{branch}:{message}")
    person: JsonObject = {"name": author.title(), "email": f"{author}@acme.test", "username": author}
    commit: JsonObject = {
        "id": after,
        "tree_id": sha(f"tree {after}"),
        "distinct": True,
        "message": message,
        "timestamp": stamp(when),
        "url": f"{WEB}/{repo}/commit/{after}",
        "author": person,
        "committer": person,
        "added": [],
        "removed": [],
        "modified": ["api/login.py"],
    }
    data = repository(repo, owner.id, private=owner.private) | {"custom_properties": {}}
    login = repo.split("/")[0]
    data["owner"] = simple_user(login) | {"name": login, "email": None}  # a push body's owner has these two too
    for key in ("created_at", "pushed_at"):  # a push body gives these two as Unix timestamps
        data[key] = int(datetime.fromisoformat(text(data[key])).timestamp())
    data.update(stargazers=data["stargazers_count"], master_branch=data["default_branch"])
    payload: JsonObject = {
        "ref": f"refs/heads/{branch}",
        "before": before or ZERO_SHA,
        "after": after,
        "created": before is None,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"{WEB}/{repo}/compare/{(before or after)[:12]}...{after[:12]}",
        "commits": [commit],
        "head_commit": commit,
        "pusher": {"name": author, "email": f"{author}@acme.test"},
    }
    return Webhook("push", payload | envelope(owner, author) | {"repository": data})
