"""The endpoints the fake GitHub answers: one function per route, over the fake's state."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard

from bot.core.jsonvalue import Json, JsonObject, text
from bot.sandbox.fakes.github.app_routes import APP_ROUTES
from bot.sandbox.fakes.github.contents import get_content
from bot.sandbox.fakes.github.deploy_history import HISTORY_ROUTES
from bot.sandbox.fakes.github.deploy_routes import DEPLOY_ROUTES
from bot.sandbox.fakes.github.github_state import Call, FakeIssue, FakeRepo, FakeWorkflow, RecordedMerge, Reply, _sha
from bot.sandbox.fakes.github.graphql_routes import graphql
from bot.sandbox.fakes.github.issue_list import list_issues
from bot.sandbox.fakes.github.wire import (
    DOCS,
    HEAD_MODIFIED,
    NO_DISPATCH_TRIGGER,
    NOT_FOUND,
    NOT_MERGEABLE,
    dispatch_refused,
    paged,
    validation_failed,
)

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

# -- endpoints ----------------------------------------------------------------------------------------


def _user(gh: FakeGitHub, call: Call) -> Reply:
    return Reply(status=200, body=gh.user_json(gh.login))


def _user_repos(gh: FakeGitHub, call: Call) -> Reply:
    return paged(gh.url, call, [gh.listed_repo_json(r) for r in gh.repos.values()])


def _get_repo(gh: FakeGitHub, call: Call) -> Reply:
    assert call.repo is not None
    return Reply(status=200, body=gh.repo_json(call.repo))


def _list_pulls(gh: FakeGitHub, call: Call) -> Reply:
    repo, state = _repo_of(call), call.query.get("state", "open")
    pulls = [p for p in sorted(repo.pulls.values(), key=lambda p: -p.number) if state in ("all", p.state)]
    return paged(gh.url, call, [gh.pull_json(repo, p, listed=True) for p in pulls])


def _get_pull(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    pull = repo.pulls.get(int(call.params["number"]))
    return Reply(status=200, body=gh.pull_json(repo, pull)) if pull else Reply(status=404, body=dict(NOT_FOUND))


def _merge(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    pull = repo.pulls.get(int(call.params["number"]))
    if pull is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    if pull.merged or pull.state != "open" or pull.mergeable is False:
        return Reply(status=405, body=dict(NOT_MERGEABLE))
    body = _body(call)
    head = body.get("sha")
    if head not in (None, pull.head_sha):
        return Reply(status=409, body=dict(HEAD_MODIFIED))
    method = body.get("merge_method", "merge")
    if not isinstance(method, str) or method not in ("merge", "squash", "rebase"):
        docs = f"{DOCS}/pulls/pulls#merge-a-pull-request"
        return Reply(status=422, body=validation_failed("PullRequest", "merge_method", "invalid", docs=docs))
    sha = _sha(f"merge {repo.full_name}#{pull.number}")
    pull.merged, pull.state, pull.merged_by, pull.closed_at = True, "closed", gh.login, gh.now()
    merge: RecordedMerge = {"repo": repo.full_name, "number": pull.number, "method": method, "sha": sha}
    if "sha" in body and (head is None or isinstance(head, str)):  # always, past the check above
        merge["sha"] = head
    if "merge_method" in body:
        merge["merge_method"] = method
    if "commit_title" in body:
        merge["commit_title"] = body["commit_title"]
    if "commit_message" in body:
        merge["commit_message"] = body["commit_message"]
    gh.merges.append(merge)
    return Reply(status=200, body=gh.merge_json(sha, method))


def _combined_status(gh: FakeGitHub, call: Call) -> Reply:
    sha = call.params["sha"]
    return Reply(status=200, body=gh.combined_status_json(_repo_of(call), sha, gh.statuses.get(sha, [])))


def _check_runs(gh: FakeGitHub, call: Call) -> Reply:
    repo, sha = _repo_of(call), call.params["sha"]
    runs = [gh.check_run_json(repo, sha, i, check) for i, check in enumerate(gh.check_runs.get(sha, []), start=1)]
    return paged(gh.url, call, runs, wrap="check_runs")


def _list_runs(gh: FakeGitHub, call: Call) -> Reply:
    repo, q = _repo_of(call), call.query
    runs = [
        r
        for r in sorted(repo.runs.values(), key=lambda r: (r.created_at, r.id), reverse=True)
        if q.get("status", r.status) in (r.status, r.conclusion)
        and q.get("branch", r.branch) == r.branch
        and q.get("head_sha", r.head_sha) == r.head_sha
    ]
    return paged(gh.url, call, [gh.run_json(repo, r) for r in runs], wrap="workflow_runs")


def _get_run(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    run = repo.runs.get(int(call.params["run_id"]))
    return Reply(status=200, body=gh.run_json(repo, run)) if run else Reply(status=404, body=dict(NOT_FOUND))


def _rerun(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    run = repo.runs.get(int(call.params["run_id"]))
    if run is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    gh.reruns.append({"repo": repo.full_name, "run_id": run.id})
    run.status, run.conclusion, run.attempt = "queued", None, run.attempt + 1
    return Reply(status=201, body={})


def _create_issue(gh: FakeGitHub, call: Call) -> Reply:
    repo, body = _repo_of(call), _body(call)
    title, description = body.get("title"), body.get("body")
    if not str(title or "").strip():
        docs = f"{DOCS}/issues/issues#create-an-issue"
        return Reply(status=422, body=validation_failed("Issue", "title", "missing_field", docs=docs))
    issue = FakeIssue(
        number=repo.next_number(),
        title=str(title),
        body=description if isinstance(description, str) else None,
        user=gh.login,
        created_at=gh.now(),
    )
    repo.issues[issue.number] = issue
    gh.issues.append(issue)
    data = gh.issue_json(repo, issue)
    return Reply(status=201, body=data, headers={"Location": text(data["url"])})


def _get_issue(gh: FakeGitHub, call: Call) -> Reply:
    """An issue, or a pull request as the issues API shows it (with `pull_request`)."""
    repo, number = _repo_of(call), int(call.params["number"])
    if number in repo.issues:
        return Reply(status=200, body=gh.issue_json(repo, repo.issues[number]))
    if number in repo.pulls:
        return Reply(status=200, body=gh.pull_as_issue_json(repo, repo.pulls[number]))
    return Reply(status=404, body=dict(NOT_FOUND))


def _update_issue(gh: FakeGitHub, call: Call) -> Reply:
    """Close or reopen an issue (or a pull request), with a `state_reason`."""
    repo, number = _repo_of(call), int(call.params["number"])
    item, pull = repo.issues.get(number), repo.pulls.get(number)
    if item is None and pull is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    body = _body(call)
    state, reason = body.get("state"), body.get("state_reason")
    docs = f"{DOCS}/issues/issues#update-an-issue"
    if not _absent_or_one_of(state, ("open", "closed")):
        return Reply(status=422, body=validation_failed("Issue", "state", "invalid", docs=docs))
    if not _absent_or_one_of(reason, ("completed", "not_planned", "duplicate", "reopened")):
        return Reply(status=422, body=validation_failed("Issue", "state_reason", "invalid", docs=docs))
    if pull is not None:
        if state is not None and not pull.merged:
            pull.state, pull.closed_at = state, gh.now() if state == "closed" else None
        return Reply(status=200, body=gh.pull_as_issue_json(repo, pull))
    assert item is not None
    if state == "closed":
        item.state_reason = reason or ("completed" if item.state == "open" else item.state_reason)
        if item.state == "open":
            item.state, item.closed_at, item.closed_by = "closed", gh.now(), gh.login
    elif state == "open" and item.state == "closed":
        item.state, item.state_reason, item.closed_at, item.closed_by = "open", "reopened", None, None
    return Reply(status=200, body=gh.issue_json(repo, item))


def _comment(gh: FakeGitHub, call: Call) -> Reply:
    repo, number = _repo_of(call), int(call.params["number"])
    if number not in repo.issues and number not in repo.pulls:
        return Reply(status=404, body=dict(NOT_FOUND))
    said = _body(call).get("body")
    if not said or not isinstance(said, str):
        docs = f"{DOCS}/issues/comments#create-an-issue-comment"
        return Reply(status=422, body=validation_failed("IssueComment", "body", "missing_field", docs=docs))
    comment_id = next(gh._ids)
    gh.comments.append({"repo": repo.full_name, "number": number, "body": said, "id": comment_id})
    return Reply(status=201, body=gh.comment_json(repo, number, comment_id, said))


def _find_workflow(repo: FakeRepo, key: str) -> FakeWorkflow | None:
    return next((w for w in repo.workflows if key in (str(w.id), w.file)), None)


def _get_workflow(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    workflow = _find_workflow(repo, call.params["workflow"])
    if workflow is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    return Reply(status=200, body=gh.workflow_json(repo, workflow))


def _dispatch(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    workflow = _find_workflow(repo, call.params["workflow"])
    if workflow is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    if not workflow.dispatchable:
        return Reply(status=422, body=dict(NO_DISPATCH_TRIGGER))
    if workflow.state != "active":
        return Reply(status=422, body=dispatch_refused("Cannot trigger a 'workflow_dispatch' on a disabled workflow"))
    body = _body(call)
    ref, inputs = body.get("ref"), body.get("inputs") or {}
    if not isinstance(inputs, dict):
        inputs = {}
    unexpected = [name for name in inputs if name not in workflow.required_inputs + workflow.optional_inputs]
    if unexpected:
        listed = ", ".join(f'"{name}"' for name in unexpected)
        return Reply(status=422, body=dispatch_refused(f"Unexpected inputs provided: [{listed}]"))
    if not isinstance(ref, str) or ref not in repo.branches:
        return Reply(status=422, body=dispatch_refused(f"No ref found for: {ref}"))
    missing = [name for name in workflow.required_inputs if name not in inputs]
    if missing:
        return Reply(status=422, body=dispatch_refused(f"Required input '{missing[0]}' not provided"))
    gh.dispatches.append({"repo": repo.full_name, "workflow": workflow.file, "ref": ref, "inputs": inputs})
    return Reply(status=204)


def _repo_of(call: Call) -> FakeRepo:
    assert call.repo is not None
    return call.repo


def _body(call: Call) -> JsonObject:
    """The request's JSON object, `{}` when it sent none (any other JSON is the client's bug: a 500 here)."""
    body = call.body or {}
    if not isinstance(body, dict):
        raise TypeError(f"{call.method} {call.path}: the body is not a JSON object: {body!r}")
    return body


def _absent_or_one_of(value: Json, choices: tuple[str, ...]) -> TypeGuard[str | None]:
    return value is None or (isinstance(value, str) and value in choices)


R = r"/repos/(?P<repo>[^/]+/[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Callable[[FakeGitHub, Call], Reply]]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in [
        ("GET", r"/user", _user),
        ("POST", r"/graphql", graphql),
        ("GET", r"/user/repos", _user_repos),
        ("GET", R, _get_repo),
        ("GET", rf"{R}/pulls", _list_pulls),
        ("GET", rf"{R}/pulls/(?P<number>\d+)", _get_pull),
        ("PUT", rf"{R}/pulls/(?P<number>\d+)/merge", _merge),
        ("GET", rf"{R}/commits/(?P<sha>[^/]+)/status", _combined_status),
        ("GET", rf"{R}/commits/(?P<sha>[^/]+)/check-runs", _check_runs),
        ("GET", rf"{R}/actions/runs", _list_runs),
        ("GET", rf"{R}/actions/runs/(?P<run_id>\d+)", _get_run),
        ("POST", rf"{R}/actions/runs/(?P<run_id>\d+)/rerun-failed-jobs", _rerun),
        ("GET", rf"{R}/issues", list_issues),
        ("POST", rf"{R}/issues", _create_issue),
        ("GET", rf"{R}/issues/(?P<number>\d+)", _get_issue),
        ("PATCH", rf"{R}/issues/(?P<number>\d+)", _update_issue),
        ("POST", rf"{R}/issues/(?P<number>\d+)/comments", _comment),
        ("GET", rf"{R}/actions/workflows/(?P<workflow>[^/]+)", _get_workflow),
        ("POST", rf"{R}/actions/workflows/(?P<workflow>[^/]+)/dispatches", _dispatch),
        ("GET", rf"{R}/contents/(?P<path>.+)", get_content),
        *DEPLOY_ROUTES,
        *HISTORY_ROUTES,
        *APP_ROUTES,
    ]
]
