"""Blocking PyGithub calls that return plain values; they run in the gateway's worker thread.

Reads are conditional GETs through the ETag cache (a repeat of an unchanged answer is a free 304), a list one
conditional GET per page; writes, and the look-up that reconciles a lost create, go through PyGithub as before.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from itertools import count, islice
from typing import Any, TypeVar, cast
from urllib.parse import quote

from github import Github, GithubException
from github.GithubObject import NotSet
from github.Issue import Issue
from github.Repository import Repository
from github.Requester import Requester

from integrations.github.etag_cache import EtagCache, get_json
from integrations.github.github_models import (
    Checks,
    IssueDetail,
    IssueList,
    IssueRef,
    IssueSummary,
    PullDetail,
    RunSummary,
    login_of,
    summarize_checks,
    timestamp,
)
from integrations.github.workflow_dispatch import WorkflowFile

T = TypeVar("T")

RECENT_ISSUES_SCANNED = 30
ISSUES_SCANNED = 500  # five pages: a repository of mostly pull requests (listed too, and skipped) shows fewer


def visible_repos(gh: Github) -> list[str]:
    """The first page of repositories the token can see (`GET /user/repos`)."""
    return [r.full_name for r in gh.get_user().get_repos().get_page(0)]


def pull(gh: Github, etags: EtagCache, repo: str, number: int) -> PullDetail:
    """`GET /repos/{repo}/pulls/{number}`, conditional: unchanged since the last read, it is a free 304."""
    return get_json(gh.requester, etags, f"/repos/{repo}/pulls/{number}", pull_detail)


def commit_checks(gh: Github, etags: EtagCache, repo: str, sha: str) -> Checks:
    """Two conditional calls, whatever the number of checks: the combined status and the first page of check runs."""
    statuses = get_json(gh.requester, etags, f"/repos/{repo}/commits/{sha}/status", _statuses)
    runs = get_json(gh.requester, etags, f"/repos/{repo}/commits/{sha}/check-runs", _check_runs, {"per_page": 100})
    return summarize_checks(statuses, runs)


def _statuses(combined: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((s["context"], s["state"]) for s in combined["statuses"])


def _check_runs(page: dict[str, Any]) -> tuple[tuple[str, str, str | None], ...]:
    return tuple((r["name"], r["status"], r["conclusion"]) for r in page["check_runs"])


def failed_runs(
    gh: Github, etags: EtagCache, repo: str, *, limit: int, branch: str | None = None, head_sha: str | None = None
) -> list[RunSummary]:
    """The newest `limit` failed runs, on `branch` and of `head_sha` when given."""
    wanted = _given({"status": "failure", "branch": branch, "head_sha": head_sha})
    return list(islice(listed(gh.requester, etags, f"/repos/{repo}/actions/runs", _runs_page, wanted), limit))


def _runs_page(page: Any) -> tuple[RunSummary, ...]:
    return tuple(map(run_summary, page["workflow_runs"]))


def run(gh: Github, etags: EtagCache, repo: str, run_id: int) -> RunSummary:
    return get_json(gh.requester, etags, f"/repos/{repo}/actions/runs/{run_id}", run_summary)


def listed(
    requester: Requester, etags: EtagCache, path: str, page_of: Callable[[Any], tuple[T, ...]], params: dict[str, str]
) -> Iterator[T]:
    """A list's items, a conditional GET per page of the client's `per_page` (100), each page asked only when the
    one before is used up; a page shorter than that is the last."""
    size = requester.per_page
    for number in count(1):
        page = get_json(requester, etags, path, page_of, {**params, "per_page": size} | _page(number))
        yield from page
        if len(page) < size:
            return


def _page(number: int) -> dict[str, int]:
    return {"page": number} if number > 1 else {}  # the first page is asked without, as PyGithub asks it


def create_issue(repo: Repository, *, title: str, body: str | None) -> IssueRef:
    return issue_ref(repo.create_issue(title, body=_opt(body)))


def recent_issue(repo: Repository, *, creator: str, title: str, since: datetime) -> IssueRef | None:
    """The newest open issue `creator` opened with exactly this title since `since`, if any."""
    # PyGithub annotates `creator` as a NamedUser but accepts a login, which saves a request
    by_creator = cast(Any, creator)
    issues = repo.get_issues(state="open", creator=by_creator, since=since, sort="created", direction="desc")
    for issue in islice(issues, RECENT_ISSUES_SCANNED):
        # the issues API lists pull requests too; only theirs have /pull/ in html_url
        if "/pull/" not in issue.html_url and issue.title == title and issue.created_at >= since:
            return issue_ref(issue, reconciled=True)
    return None


def issues(
    gh: Github, etags: EtagCache, repo: str, *, state: str, label: str | None, assignee: str | None, limit: int
) -> IssueList:
    """The newest `limit` issues (no pull requests) in `state`, with `label` and assigned to `assignee` if given."""
    wanted = _given({"state": state, "labels": label or None, "assignee": assignee})
    found: list[IssueSummary] = []
    scanned = 0
    for item in islice(listed(gh.requester, etags, f"/repos/{repo}/issues", _issues_page, wanted), ISSUES_SCANNED):
        scanned += 1
        if item is None:  # a pull request: the issues API lists them too
            continue
        if len(found) == limit:
            return IssueList(issues=tuple(found), more=True)
        found.append(item)
    return IssueList(issues=tuple(found), more=scanned == ISSUES_SCANNED)


def _issues_page(page: Any) -> tuple[IssueSummary | None, ...]:
    """The page's issues; None for each pull request (listed with `pull_request`), which still counts as scanned."""
    return tuple(None if item.get("pull_request") is not None else issue_summary(item) for item in page)


def comment(repo: Repository, number: int, body: str) -> str:
    return repo.get_issue(number).create_comment(body).html_url


def issue(gh: Github, etags: EtagCache, repo: str, number: int) -> IssueDetail:
    return get_json(gh.requester, etags, f"/repos/{repo}/issues/{number}", issue_detail)


def close_issue(requester: Requester, repo: str, number: int, *, reason: str) -> IssueDetail:
    """One PATCH, as PyGithub's `Issue.edit` sends it; the answer is the closed issue."""
    body = {"state": "closed", "state_reason": reason}
    return issue_detail(requester.requestJsonAndCheck("PATCH", f"/repos/{repo}/issues/{number}", input=body)[1])


def rerun_failed_jobs(requester: Requester, repo: Repository, run_id: int) -> None:
    # WorkflowRun.rerun_failed_jobs() returns False on any error and drops the reason; this keeps it
    requester.requestJsonAndCheck("POST", f"{repo.get_workflow_run(run_id).url}/rerun-failed-jobs")


def merge(repo: Repository, number: int, *, method: str, commit_message: str | None) -> str:
    status = repo.get_pull(number).merge(commit_message=_opt(commit_message), merge_method=method)
    return status.sha


def workflow_file(gh: Github, etags: EtagCache, repo: str, workflow: str, ref: str) -> WorkflowFile:
    """The workflow (404 when the repository has none by that file name or id) and its file's text at `ref`."""
    flow = get_json(gh.requester, etags, f"/repos/{repo}/actions/workflows/{quote(workflow, safe='')}", _workflow)
    try:
        source = get_json(gh.requester, etags, f"/repos/{repo}/contents/{quote(flow.path)}", _text, {"ref": ref})
    except GithubException as exc:
        if exc.status not in (403, 404):  # 404: no such ref, or no such file on it; 403: not readable
            raise
        return replace(flow, at_ref=exc.status != 404)
    return replace(flow, source=source)


def _workflow(flow: Any) -> WorkflowFile:
    return WorkflowFile(name=flow["name"], path=flow["path"], state=flow["state"], source=None)


def _text(found: Any) -> str | None:
    """A file's text; None for a directory (a list), or a file too large to come inline (over 1 MB: no base64)."""
    if not isinstance(found, dict) or found.get("encoding") != "base64":
        return None
    return base64.b64decode(found["content"]).decode("utf-8", "replace")


def dispatch(repo: Repository, *, workflow: str, ref: str, inputs: dict[str, str]) -> None:
    repo.get_workflow(workflow).create_dispatch(ref, inputs, throw=True)


def pull_detail(pr: dict[str, Any]) -> PullDetail:
    """A pull request from GitHub's JSON (`pull-request` in the REST description)."""
    return PullDetail(
        number=pr["number"],
        title=pr["title"],
        author=login_of(pr.get("user")),
        head=pr["head"]["ref"],
        base=pr["base"]["ref"],
        state=pr["state"],
        merged=bool(pr.get("merged")),
        mergeable=pr.get("mergeable"),
        mergeable_state=pr.get("mergeable_state") or "unknown",
        url=pr["html_url"],
        head_sha=pr["head"]["sha"],
        body=pr.get("body") or "",
    )


def run_summary(run: dict[str, Any]) -> RunSummary:
    """A workflow run from GitHub's JSON (`workflow-run`)."""
    return RunSummary(
        id=run["id"],
        name=run["name"],
        branch=run["head_branch"],
        sha=run["head_sha"],
        conclusion=run["conclusion"],
        created_at=timestamp(run["created_at"]),
        url=run["html_url"],
        title=run.get("display_title") or "",
    )


def issue_ref(issue: Issue, *, reconciled: bool = False) -> IssueRef:
    return IssueRef(number=issue.number, title=issue.title, url=issue.html_url, reconciled=reconciled)


def issue_summary(item: dict[str, Any]) -> IssueSummary:
    """An issue as GitHub's issues list gives it (`issue`)."""
    return IssueSummary(
        number=item["number"],
        title=item["title"],
        state=item["state"],
        author=login_of(item.get("user")),
        created_at=timestamp(item["created_at"]),
        url=item["html_url"],
        labels=tuple(label["name"] for label in item["labels"]),
        assignees=tuple(user["login"] for user in item.get("assignees") or ()),
    )


def issue_detail(item: dict[str, Any]) -> IssueDetail:
    """An issue, or a pull request as the issues API shows it (with `pull_request`)."""
    return IssueDetail(
        number=item["number"],
        title=item["title"],
        state=item["state"],
        state_reason=item.get("state_reason"),
        url=item["html_url"],
        pull=item.get("pull_request") is not None,
    )


def _given(params: dict[str, str | None]) -> dict[str, str]:
    return {name: value for name, value in params.items() if value is not None}


def _opt(value: str | None) -> Any:
    return NotSet if value is None else value
