"""GitHub's pull request, issue, comment, workflow run and check run shapes, from the fake's state and our values."""

from __future__ import annotations

from datetime import datetime

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.github.github_state import FakeIssue, FakePull, FakeRepo, FakeRun, FakeWorkflow
from bot.sandbox.fakes.github.issue_list import label
from bot.sandbox.fakes.github.shapes import (
    API,
    WEB,
    minimal_repository,
    node_id,
    number_of,
    repository,
    sha,
    simple_user,
    stamp,
    team_simple,
    user_kind,
)

ACTIONS_APP = 15368  # the GitHub Actions app's id, as check runs and suites name it


def _association(login: str) -> str:
    return "NONE" if user_kind(login) == "Bot" else "MEMBER"


def _ref(repo: FakeRepo, branch: str, commit: str, api: str) -> JsonObject:
    owner = repo.full_name.split("/")[0]
    return {
        "label": f"{owner}:{branch}",
        "ref": branch,
        "sha": commit,
        "user": simple_user(owner, api=api),
        "repo": repository(repo.full_name, repo.id, private=repo.private, api=api),
    }


def pull_request(repo: FakeRepo, pull: FakePull, *, api: str = API, listed: bool = False) -> JsonObject:
    """`GET /pulls/{n}` ("pull-request"); `listed` gives the list endpoint's "pull-request-simple"."""
    base = f"{api}/repos/{repo.full_name}"
    url, html = f"{base}/pulls/{pull.number}", f"{WEB}/{repo.full_name}/pull/{pull.number}"
    issue = f"{base}/issues/{pull.number}"
    pr_id = repo.id * 1000 + pull.number
    org = repo.full_name.split("/")[0]
    data: JsonObject = {
        "url": url,
        "id": pr_id,
        "node_id": node_id("PR", pr_id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{base}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": f"{base}/statuses/{pull.head_sha}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "user": simple_user(pull.author, api=api),
        "body": pull.body or None,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": stamp(pull.created_at),
        "updated_at": stamp(pull.closed_at or pull.created_at),
        "closed_at": stamp(pull.closed_at) if pull.closed_at else None,
        "merged_at": stamp(pull.closed_at) if pull.merged and pull.closed_at else None,
        # the merge commit once merged, else the test merge GitHub prepares (none while that is being computed)
        "merge_commit_sha": sha(f"merge {repo.full_name}#{pull.number}") if pull.mergeable is not None else None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [simple_user(login, api=api) for login in pull.requested_reviewers],
        # the list answer names each team in full ("team", with its parent); a single pull request, "team-simple"
        "requested_teams": [
            team_simple(org, slug, api=api) | ({"parent": None} if listed else {}) for slug in pull.requested_teams
        ],
        "head": _ref(repo, pull.head, pull.head_sha, api),
        "base": _ref(repo, pull.base, sha(f"{repo.full_name}@{pull.base}"), api),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "issue": {"href": issue},
            "comments": {"href": f"{issue}/comments"},
            "review_comments": {"href": f"{url}/comments"},
            "review_comment": {"href": f"{base}/pulls/comments{{/number}}"},
            "commits": {"href": f"{url}/commits"},
            "statuses": {"href": f"{base}/statuses/{pull.head_sha}"},
        },
        "author_association": _association(pull.author),
        "auto_merge": None,
        "draft": pull.draft,
    }
    if listed:  # the list endpoint leaves out what GitHub computes per pull request
        return data
    return data | {
        "merged": pull.merged,
        "mergeable": pull.mergeable,
        "rebaseable": pull.mergeable,
        "mergeable_state": pull.mergeable_state,
        "merged_by": simple_user(pull.merged_by, api=api) if pull.merged_by else None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": pull.commits,
        "additions": pull.additions,
        "deletions": pull.deletions,
        "changed_files": pull.changed_files,
    }


def issue(repo: FakeRepo, item: FakeIssue, *, api: str = API, pull: bool = False) -> JsonObject:
    """The "issue" shape; `pull=True` for a pull request as the issues API lists it."""
    base = f"{api}/repos/{repo.full_name}"
    url = f"{base}/issues/{item.number}"
    html = f"{WEB}/{repo.full_name}/{'pull' if pull else 'issues'}/{item.number}"
    issue_id = repo.id * 1000 + item.number
    data: JsonObject = {
        "id": issue_id,
        "node_id": node_id("I", issue_id),
        "url": url,
        "repository_url": base,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": html,
        "number": item.number,
        "state": item.state,
        "state_reason": item.state_reason,
        "title": item.title,
        "body": item.body,
        "user": simple_user(item.user, api=api),
        "labels": [label(repo.full_name, name, api=api) for name in item.labels],
        "assignee": simple_user(item.assignees[0], api=api) if item.assignees else None,
        "assignees": [simple_user(login, api=api) for login in item.assignees],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 0,
        "closed_at": stamp(item.closed_at) if item.closed_at else None,
        "created_at": stamp(item.created_at),
        "updated_at": stamp(item.closed_at or item.created_at),
        "closed_by": simple_user(item.closed_by, api=api) if item.closed_by else None,
        "timeline_url": f"{url}/timeline",
        "author_association": _association(item.user),
        "reactions": reactions(f"{url}/reactions"),
    }
    if pull:
        pulls = f"{base}/pulls/{item.number}"
        data["pull_request"] = {
            "url": pulls,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
        }
        data["draft"] = False
    return data


def reactions(url: str) -> JsonObject:
    counts = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
    return {"url": url, "total_count": 0, **dict.fromkeys(counts, 0)}


def comment(
    repo: FakeRepo, number: int, comment_id: int, body: str, *, login: str, when: datetime, api: str = API
) -> JsonObject:
    """The "issue-comment" shape: a comment on an issue or a pull request's conversation."""
    base = f"{api}/repos/{repo.full_name}"
    return {
        "id": comment_id,
        "node_id": node_id("IC", comment_id),
        "url": f"{base}/issues/comments/{comment_id}",
        "html_url": f"{WEB}/{repo.full_name}/issues/{number}#issuecomment-{comment_id}",
        "issue_url": f"{base}/issues/{number}",
        "body": body,
        "user": simple_user(login, api=api),
        "created_at": stamp(when),
        "updated_at": stamp(when),
        "author_association": _association(login),
        "performed_via_github_app": None,
        "reactions": reactions(f"{base}/issues/comments/{comment_id}/reactions"),
    }


def workflow_id(repo: FakeRepo, path: str) -> int:
    found = next((w.id for w in repo.workflows if path.endswith("/" + w.file)), None)
    return found if found is not None else number_of(f"{repo.full_name}:{path}")


def workflow(repo: FakeRepo, item: FakeWorkflow, *, when: datetime, api: str = API) -> JsonObject:
    """The "workflow" shape: one workflow file of a repository."""
    path = f".github/workflows/{item.file}"
    return {
        "id": item.id,
        "node_id": node_id("W", item.id),
        "name": item.name,
        "path": path,
        "state": item.state,
        "created_at": stamp(when),
        "updated_at": stamp(when),
        "url": f"{api}/repos/{repo.full_name}/actions/workflows/{item.id}",
        "html_url": f"{WEB}/{repo.full_name}/blob/main/{path}",
        "badge_url": f"{WEB}/{repo.full_name}/workflows/{item.name}/badge.svg",
    }


def head_commit(commit: str, message: str, author: str, when: datetime) -> JsonObject:
    person: JsonObject = {"name": author.title(), "email": f"{author}@acme.test"}
    return {
        "id": commit,
        "tree_id": sha(f"tree {commit}"),
        "message": message,
        "timestamp": stamp(when),
        "author": person,
        "committer": person,
    }


def workflow_run(repo: FakeRepo, run: FakeRun, *, api: str = API) -> JsonObject:
    """The "workflow-run" shape (`GET /actions/runs/{id}`, and the list's `workflow_runs`)."""
    base = f"{api}/repos/{repo.full_name}"
    url, suite = f"{base}/actions/runs/{run.id}", run.id * 7
    wid = workflow_id(repo, run.path)
    minimal = minimal_repository(repo.full_name, repo.id, private=repo.private, api=api)
    return {
        "id": run.id,
        "name": run.name,
        "node_id": node_id("WFR", run.id),
        "check_suite_id": suite,
        "check_suite_node_id": node_id("CS", suite),
        "head_branch": run.branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.title or run.name,
        "run_number": run.number,
        "run_attempt": run.attempt,
        "referenced_workflows": [],
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": wid,
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": [],
        "created_at": stamp(run.created_at),
        "updated_at": stamp(run.created_at),
        "actor": simple_user(run.actor, api=api),
        "triggering_actor": simple_user(run.actor, api=api),
        "run_started_at": stamp(run.created_at),
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{base}/check-suites/{suite}",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": f"{url}/attempts/{run.attempt - 1}" if run.attempt > 1 else None,
        "workflow_url": f"{base}/actions/workflows/{wid}",
        "head_commit": head_commit(run.head_sha, run.title or run.name, run.actor, run.created_at),
        "repository": minimal,
        "head_repository": minimal,
        "head_repository_id": repo.id,
    }


def actions_app(*, api: str = API) -> JsonObject:
    """The GitHub Actions app ("integration"), which owns the check runs of workflow jobs."""
    return {
        "id": ACTIONS_APP,
        "slug": "github-actions",
        "node_id": node_id("A", ACTIONS_APP),
        "owner": simple_user("github", api=api),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{WEB}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": {"checks": "write", "contents": "write", "metadata": "read"},
        "events": ["check_run", "check_suite", "workflow_job"],
    }
