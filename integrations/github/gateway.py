"""GitHubGateway: PyGithub off the event loop, with opsbot's own retry, rate-limit and error rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

import requests
from github import Github
from github.GithubException import GithubException
from github.Repository import Repository

from bot.core.clock import Clock
from bot.core.errors import Conflict, NotFound, OutcomeUnknown, ToolError
from bot.core.github_metrics import github_rate_limit
from bot.core.suggest import did_you_mean
from integrations.github import calls, etag_cache, pr_detail_query, pr_query
from integrations.github.app_auth import AppCredentials
from integrations.github.app_check import app_login, describe_app
from integrations.github.app_clients import GitHubClients, app_token_refused
from integrations.github.github_errors import Operation, map_error, rate_limit_wait, rate_limited, repo_not_found
from integrations.github.github_models import (
    FAILED_CONCLUSIONS,
    Checks,
    IssueDetail,
    IssueList,
    IssueRef,
    PullDetail,
    PullSummary,
    RunSummary,
)
from integrations.github.github_pool import DEFAULT_MAX_CONCURRENT_CALLS, Quota, RateLimitPause
from integrations.github.workflow_dispatch import WorkflowFile

T = TypeVar("T")

RECONCILE_WINDOW = timedelta(minutes=5)


class GitHubGateway:
    """Every call to GitHub goes through `call`: up to `max_concurrent_calls` side by side, typed errors out."""

    def __init__(
        self,
        token: str | None,
        base_url: str,
        clock: Clock,
        max_rate_limit_wait: float = 60.0,
        max_concurrent_calls: int = DEFAULT_MAX_CONCURRENT_CALLS,
        app: AppCredentials | None = None,
    ) -> None:
        self.clock = clock
        self._login: str | None = None
        self._pause = RateLimitPause(clock, max_rate_limit_wait)
        # one client per call in flight (PyGithub's Requester is not thread-safe), from the token's pool or the pool
        # of the App installation that owns the call's repository
        self._clients = GitHubClients(base_url=base_url, token=token, app=app, size=max_concurrent_calls)
        self._etags = etag_cache.EtagCache()  # keyed by credential too: one installation's answers are not another's

    async def check(self) -> str:
        """For `opsbot check`: who the token belongs to (`GET /user`), or the App and its installations (`GET /app`,
        `GET /app/installations`); never shows the token or the key."""
        if self._clients.app is not None:
            return await describe_app(self._clients.integration)
        op = Operation(action="read the token's user", target="The token's user")
        self._login = await self.call(lambda gh: gh.get_user().login, op)
        return f"GitHub: authenticated as {self._login}"

    async def installation_token(self, repo: str) -> str | None:
        """A fresh token of the App's installation on `repo`'s owner (for requests outside PyGithub); None: no App."""
        return await self._clients.installation_token(repo)

    async def login(self) -> str:
        if self._login is None and self._clients.app is not None:
            self._login = await app_login(self._clients.integration)
        if self._login is None:
            await self.check()
        assert self._login is not None
        return self._login

    async def call(self, fn: Callable[[Github], T], op: Operation, *, resource: str = "core") -> T:
        """Run blocking `fn(client)` (plain values out) on `resource`'s budget (core, graphql); errors as for `op`."""
        try:
            return await self._within_rate_limit(fn, resource, op.repo)
        except (GithubException, requests.RequestException) as exc:
            raise await self._explain(exc, op) from exc

    async def _within_rate_limit(self, fn: Callable[[Github], T], resource: str, repo: str | None) -> T:
        """Wait out the gateway's pause, if any; a rate-limit answer short enough to wait out pauses every call
        (not only this one) and this one is asked once more; a longer one is the caller's error at once."""
        for attempt in (1, 2):
            await self._pause.wait()
            pool = await self._clients.pool(repo)
            try:
                value, quota = await pool.run(lambda gh: (fn(gh), Quota.of(gh)))
            except GithubException as exc:
                wait = rate_limit_wait(exc, self.clock.now())
                if attempt == 2 or wait is None or not self._pause.note(wait):
                    raise
                continue
            self._pause.note_quota(quota)
            github_rate_limit(resource, remaining=quota.remaining, limit=quota.limit, reset=quota.reset)
            return value
        raise AssertionError("unreachable")  # pragma: no cover

    async def _explain(self, exc: Exception, op: Operation) -> ToolError:
        if isinstance(exc, GithubException) and exc.status == 401 and self._clients.app is not None:
            return app_token_refused(exc)
        if isinstance(exc, GithubException):
            wait = rate_limit_wait(exc, self.clock.now())
            if wait is not None:
                return rate_limited(wait, self.clock.now())
            if exc.status == 404 and op.repo and await self._repo_missing(op.repo):
                return repo_not_found(op.repo, await self._similar_repos(op.repo))
        return map_error(exc, op)

    async def _repo_missing(self, repo: str) -> bool:
        try:
            await (await self._clients.pool(repo)).run(lambda gh: gh.get_repo(repo).complete())
        except GithubException as exc:
            return exc.status == 404
        except requests.RequestException:
            return False
        return False

    async def _similar_repos(self, repo: str) -> list[str]:
        """Suggestions from the first page of repositories the token can see (an App's installation sees none)."""
        if self._clients.app is not None:
            return []
        try:
            names = await (await self._clients.pool(repo)).run(calls.visible_repos)
        except (GithubException, requests.RequestException):
            return []
        return did_you_mean(repo, names)

    # --- reads -------------------------------------------------------------------------------

    async def list_pull_requests(self, repo: str, *, state: str, limit: int) -> list[PullSummary]:
        """One GraphQL query per page of 100, checks and requested reviewers included (no call per pull request)."""
        return await self.call(
            lambda gh: pr_query.pull_requests(gh.requester, repo, state=state, limit=limit),
            _repo_op(repo),
            resource="graphql",
        )

    async def get_pull_request(self, repo: str, number: int, *, with_checks: bool = True) -> PullDetail:
        """With its head commit's checks: one GraphQL query. Without: a conditional REST read (a repeat is free)."""
        op = _pull_op(repo, number, "read")
        if not with_checks:
            return await self.call(lambda gh: calls.pull(gh, self._etags, repo, number), op)
        return await self.call(
            lambda gh: pr_detail_query.pull_request(gh.requester, repo, number), op, resource="graphql"
        )

    async def checks(self, repo: str, sha: str) -> Checks:
        op = Operation(action=f"read the checks of {sha[:7]} in {repo}", target=f"Commit {sha[:7]}", repo=repo)
        return await self.call(lambda gh: calls.commit_checks(gh, self._etags, repo, sha), op)

    async def list_failed_runs(self, repo: str, *, branch: str | None, limit: int) -> list[RunSummary]:
        return await self.call(
            lambda gh: calls.failed_runs(gh, self._etags, repo, branch=branch, limit=limit), _repo_op(repo)
        )

    async def get_run(self, repo: str, run_id: int) -> RunSummary:
        op = Operation(action=f"read run {run_id} in {repo}", target=f"Workflow run {run_id} in {repo}", repo=repo)
        return await self.call(lambda gh: calls.run(gh, self._etags, repo, run_id), op)

    async def latest_failed_run_for_pull(self, repo: str, number: int) -> RunSummary:
        sha = (await self.get_pull_request(repo, number, with_checks=False)).head_sha
        runs = await self.call(
            lambda gh: calls.failed_runs(gh, self._etags, repo, head_sha=sha, limit=1), _repo_op(repo)
        )
        if not runs:
            raise NotFound(f"Pull request #{number} in {repo} has no failed workflow run for `{sha[:7]}`.")
        return runs[0]

    async def list_issues(
        self, repo: str, *, state: str, label: str | None, assignee: str | None, limit: int
    ) -> IssueList:
        op = replace(_repo_op(repo), action=f"list the issues of {repo}")
        return await self.call(
            lambda gh: calls.issues(gh, self._etags, repo, state=state, label=label, assignee=assignee, limit=limit),
            op,
        )

    async def get_issue(self, repo: str, number: int) -> IssueDetail:
        op = _pull_op(repo, number, "read", noun="Issue")
        return await self.call(lambda gh: calls.issue(gh, self._etags, repo, number), op)

    # --- writes ------------------------------------------------------------------------------

    async def create_issue(self, repo: str, *, title: str, body: str | None) -> IssueRef:
        """Create an issue; when GitHub's answer is lost, look for the issue before saying 'unknown'."""
        op = replace(_repo_op(repo), action=f"create an issue in {repo}", write=True)
        started = self.clock.now()
        try:
            return await self.call(lambda gh: calls.create_issue(_repo(gh, repo), title=title, body=body), op)
        except OutcomeUnknown:
            found = await self._find_created_issue(repo, title, since=started - RECONCILE_WINDOW)
            if found is None:
                raise
            return found

    async def _find_created_issue(self, repo: str, title: str, *, since: datetime) -> IssueRef | None:
        try:
            login = await self.login()
            return await self.call(
                lambda gh: calls.recent_issue(_repo(gh, repo), creator=login, title=title, since=since),
                _repo_op(repo),
            )
        except ToolError:
            return None

    async def comment(self, repo: str, number: int, body: str) -> str:
        op = _pull_op(repo, number, "comment on", noun="Issue or pull request", write=True)
        return await self.call(lambda gh: calls.comment(_repo(gh, repo), number, body), op)

    async def close_issue(self, repo: str, number: int, *, reason: str, comment: str | None) -> IssueDetail:
        """Comment (if asked), then close; one already closed is a Conflict, and gets no comment."""
        issue = await self.get_issue(repo, number)
        if issue.state == "closed":
            why = f" ({issue.state_reason.replace('_', ' ')})" if issue.state_reason else ""
            raise Conflict(f"{issue.kind} #{number} in {repo} is already closed{why}; nothing to close.")
        if comment:
            await self.comment(repo, number, comment)
        op = _pull_op(repo, number, "close", noun=issue.kind, write=True)
        try:
            return await self.call(lambda gh: calls.close_issue(gh.requester, repo, number, reason=reason), op)
        except OutcomeUnknown:
            # GitHub's answer was lost: a second look tells whether it closed (a retry would comment twice)
            found = await self._issue_if_readable(repo, number)
            if found is None or found.state != "closed":
                raise
            return replace(found, reconciled=True)

    async def _issue_if_readable(self, repo: str, number: int) -> IssueDetail | None:
        try:
            return await self.get_issue(repo, number)
        except ToolError:
            return None

    async def rerun_failed_jobs(self, repo: str, run: RunSummary) -> None:
        if run.conclusion not in FAILED_CONCLUSIONS:
            state = run.conclusion or "still running"
            raise Conflict(f"Workflow run {run.id} ({run.name}) has nothing to re-run: it is {state}.")
        op = Operation(
            action=f"re-run the failed jobs of run {run.id} in {repo}",
            target=f"Workflow run {run.id} in {repo}",
            repo=repo,
            write=True,
        )
        await self.call(lambda gh: calls.rerun_failed_jobs(gh.requester, _repo(gh, repo), run.id), op)

    async def merge(self, repo: str, number: int, *, method: str, commit_message: str | None) -> str:
        return await self.call(
            lambda gh: calls.merge(_repo(gh, repo), number, method=method, commit_message=commit_message),
            _pull_op(repo, number, "merge", write=True),
        )

    async def workflow_file(self, repo: str, workflow: str, ref: str) -> WorkflowFile:
        what = f"workflow `{workflow}` in {repo}"
        op = Operation(action=f"read {what}", target=what[0].upper() + what[1:], repo=repo)
        return await self.call(lambda gh: calls.workflow_file(gh, self._etags, repo, workflow, ref), op)

    async def dispatch(self, repo: str, *, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        op = Operation(
            action=f"start workflow `{workflow}` on `{ref}` in {repo}",
            target=f"Workflow `{workflow}` in {repo}",
            repo=repo,
            write=True,
        )
        await self.call(lambda gh: calls.dispatch(_repo(gh, repo), workflow=workflow, ref=ref, inputs=inputs), op)


def _repo(gh: Github, repo: str) -> Repository:
    return gh.get_repo(repo)  # lazy: no request until something is read


def _repo_op(repo: str) -> Operation:
    return Operation(action=f"read {repo}", target=f"Repository `{repo}`", repo=repo)


def _pull_op(repo: str, number: int, verb: str, *, noun: str = "Pull request", write: bool = False) -> Operation:
    return Operation(
        action=f"{verb} {noun.lower()} #{number} in {repo}",
        target=f"{noun} #{number} in {repo}",
        repo=repo,
        write=write,
    )
