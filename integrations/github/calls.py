"""Blocking PyGithub calls that return plain values; they run in the gateway's worker thread."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any, cast

from github import Github, GithubException
from github.GithubObject import NotSet
from github.Issue import Issue
from github.Repository import Repository
from github.Requester import Requester
from github.WorkflowRun import WorkflowRun

from integrations.github.etag_cache import EtagCache, get_json
from integrations.github.github_models import (
    Checks,
    IssueDetail,
    IssueList,
    IssueRef,
    IssueSummary,
    PullDetail,
    RunSummary,
    summarize_checks,
)
from integrations.github.workflow_dispatch import WorkflowFile

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
    repo: Repository, *, limit: int, branch: str | None = None, head_sha: str | None = None
) -> list[RunSummary]:
    runs = repo.get_workflow_runs(status="failure", branch=_opt(branch), head_sha=_opt(head_sha))
    return [run_summary(r) for r in islice(runs, limit)]


def run(repo: Repository, run_id: int) -> RunSummary:
    return run_summary(repo.get_workflow_run(run_id))


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


def issues(repo: Repository, *, state: str, label: str | None, assignee: str | None, limit: int) -> IssueList:
    """The newest `limit` issues (no pull requests) in `state`, with `label` and assigned to `assignee` if given."""
    listed = repo.get_issues(state=state, labels=[label] if label else NotSet, assignee=_opt(assignee))
    found: list[IssueSummary] = []
    scanned = 0
    for item in islice(listed, ISSUES_SCANNED):  # page by page, and no page more than needed
        scanned += 1
        if "/pull/" in item.html_url:  # a pull request; `item.pull_request` would fetch the issue again
            continue
        if len(found) == limit:
            return IssueList(issues=tuple(found), more=True)
        found.append(issue_summary(item))
    return IssueList(issues=tuple(found), more=scanned == ISSUES_SCANNED)


def comment(repo: Repository, number: int, body: str) -> str:
    return repo.get_issue(number).create_comment(body).html_url


def issue(repo: Repository, number: int) -> IssueDetail:
    return issue_detail(repo.get_issue(number))


def close_issue(repo: Repository, number: int, *, reason: str) -> IssueDetail:
    item = repo.get_issue(number)  # lazy: the PATCH is the only request
    item.edit(state="closed", state_reason=reason)
    return issue_detail(item)


def rerun_failed_jobs(requester: Requester, repo: Repository, run_id: int) -> None:
    # WorkflowRun.rerun_failed_jobs() returns False on any error and drops the reason; this keeps it
    requester.requestJsonAndCheck("POST", f"{repo.get_workflow_run(run_id).url}/rerun-failed-jobs")


def merge(repo: Repository, number: int, *, method: str, commit_message: str | None) -> str:
    status = repo.get_pull(number).merge(commit_message=_opt(commit_message), merge_method=method)
    return status.sha


def workflow_file(repo: Repository, workflow: str, ref: str) -> WorkflowFile:
    """The workflow (404 when the repository has none by that file name or id) and its file's text at `ref`."""
    flow = repo.get_workflow(workflow)
    try:
        found = repo.get_contents(flow.path, ref=ref)
    except GithubException as exc:
        if exc.status not in (403, 404):  # 404: no such ref, or no such file on it; 403: not readable
            raise
        return WorkflowFile(name=flow.name, path=flow.path, state=flow.state, source=None, at_ref=exc.status != 404)
    source = None if isinstance(found, list) else found.decoded_content.decode("utf-8", "replace")
    return WorkflowFile(name=flow.name, path=flow.path, state=flow.state, source=source)


def dispatch(repo: Repository, *, workflow: str, ref: str, inputs: dict[str, str]) -> None:
    repo.get_workflow(workflow).create_dispatch(ref, inputs, throw=True)


def pull_detail(pr: dict[str, Any]) -> PullDetail:
    """A pull request from GitHub's JSON (`pull-request` in the REST description)."""
    return PullDetail(
        number=pr["number"],
        title=pr["title"],
        author=(pr.get("user") or {}).get("login", "ghost"),
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


def run_summary(run: WorkflowRun) -> RunSummary:
    return RunSummary(
        id=run.id,
        name=run.name,
        branch=run.head_branch,
        sha=run.head_sha,
        conclusion=run.conclusion,
        created_at=run.created_at,
        url=run.html_url,
        title=run.display_title or "",
    )


def issue_ref(issue: Issue, *, reconciled: bool = False) -> IssueRef:
    return IssueRef(number=issue.number, title=issue.title, url=issue.html_url, reconciled=reconciled)


def issue_summary(item: Issue) -> IssueSummary:
    return IssueSummary(
        number=item.number,
        title=item.title,
        state=item.state,
        author=item.user.login,
        created_at=item.created_at,
        url=item.html_url,
        labels=tuple(label.name for label in item.labels),
        assignees=tuple(user.login for user in item.assignees),
    )


def issue_detail(item: Issue) -> IssueDetail:
    return IssueDetail(
        number=item.number,
        title=item.title,
        state=item.state,
        state_reason=item.state_reason,
        url=item.html_url,
        pull=item.pull_request is not None,
    )


def _opt(value: str | None) -> Any:
    return NotSet if value is None else value
