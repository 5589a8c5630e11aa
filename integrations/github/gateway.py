"""GitHubGateway: PyGithub off the event loop, with opsbot's own retry, rate-limit and error rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

import requests
from github import Auth, Github
from github.GithubException import GithubException
from github.Repository import Repository
from urllib3.util.retry import Retry

from bot.core.clock import Clock
from bot.core.errors import Conflict, NotFound, OutcomeUnknown, ToolError
from bot.core.suggest import did_you_mean
from integrations.github import calls
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
from integrations.github.github_pool import DEFAULT_MAX_CONCURRENT_CALLS, ClientPool, Quota, RateLimitPause
from integrations.github.workflow_dispatch import WorkflowFile

T = TypeVar("T")

TIMEOUT_SECONDS = 15
PER_PAGE = 100
MAX_PULLS_WITH_CHECKS = 20  # each costs two calls; the rest of a long list shows no checks
RECONCILE_WINDOW = timedelta(minutes=5)


def read_only_retry() -> Retry:
    """Retry 5xx and dropped connections for GET/HEAD only: a retried POST can create a duplicate issue.

    No Retry-After sleeping and no rate-limit handling here: that is done with the injected clock.
    """
    return Retry(
        total=2,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=0.1,
        backoff_max=1.0,
        respect_retry_after_header=False,
        raise_on_status=False,
    )


class GitHubGateway:
    """Every call to GitHub goes through `call`: up to `max_concurrent_calls` side by side, typed errors out."""

    def __init__(
        self,
        token: str | None,
        base_url: str,
        clock: Clock,
        max_rate_limit_wait: float = 60.0,
        max_concurrent_calls: int = DEFAULT_MAX_CONCURRENT_CALLS,
    ) -> None:
        self.clock = clock
        self._login: str | None = None
        self._pause = RateLimitPause(clock, max_rate_limit_wait)

        def client() -> Github:
            return Github(
                base_url=base_url.rstrip("/"),
                auth=Auth.Token(token) if token else None,
                retry=read_only_retry(),
                timeout=TIMEOUT_SECONDS,
                per_page=PER_PAGE,
                lazy=True,
                # PyGithub would time.sleep between requests; rate limits are handled in `call` instead
                seconds_between_requests=None,
                seconds_between_writes=None,
            )

        # PyGithub's Requester shares one connection object between threads: one client per call in flight
        self._pool = ClientPool(client, max_concurrent_calls)

    async def check(self) -> str:
        """For `opsbot check`: who the token belongs to (`GET /user`); never shows the token."""
        op = Operation(action="read the token's user", target="The token's user")
        self._login = await self.call(lambda gh: gh.get_user().login, op)
        return f"GitHub: authenticated as {self._login}"

    async def login(self) -> str:
        if self._login is None:
            await self.check()
        assert self._login is not None
        return self._login

    async def call(self, fn: Callable[[Github], T], op: Operation) -> T:
        """Run `fn(client)` (blocking PyGithub code that returns plain values) and map failures for `op`."""
        try:
            return await self._within_rate_limit(fn)
        except (GithubException, requests.RequestException) as exc:
            raise await self._explain(exc, op) from exc

    async def _within_rate_limit(self, fn: Callable[[Github], T]) -> T:
        """Wait out the gateway's pause, if any; a rate-limit answer short enough to wait out pauses every call
        (not only this one) and this one is asked once more; a longer one is the caller's error at once."""
        for attempt in (1, 2):
            await self._pause.wait()
            try:
                value, quota = await self._pool.run(lambda gh: (fn(gh), Quota.of(gh)))
            except GithubException as exc:
                wait = rate_limit_wait(exc, self.clock.now())
                if attempt == 2 or wait is None or not self._pause.note(wait):
                    raise
                continue
            self._pause.note_quota(quota)
            return value
        raise AssertionError("unreachable")  # pragma: no cover

    async def _explain(self, exc: Exception, op: Operation) -> ToolError:
        if isinstance(exc, GithubException):
            wait = rate_limit_wait(exc, self.clock.now())
            if wait is not None:
                return rate_limited(wait, self.clock.now())
            if exc.status == 404 and op.repo and await self._repo_missing(op.repo):
                return repo_not_found(op.repo, await self._similar_repos(op.repo))
        return map_error(exc, op)

    async def _repo_missing(self, repo: str) -> bool:
        try:
            await self._pool.run(lambda gh: gh.get_repo(repo).complete())
        except GithubException as exc:
            return exc.status == 404
        except requests.RequestException:
            return False
        return False

    async def _similar_repos(self, repo: str) -> list[str]:
        """Suggestions from the first page of repositories the token can see."""
        try:
            names = await self._pool.run(calls.visible_repos)
        except (GithubException, requests.RequestException):
            return []
        return did_you_mean(repo, names)

    # --- reads -------------------------------------------------------------------------------

    async def list_pull_requests(self, repo: str, *, state: str, limit: int) -> list[PullSummary]:
        found = await self.call(lambda gh: calls.pulls(_repo(gh, repo), state=state, limit=limit), _repo_op(repo))
        head = found[:MAX_PULLS_WITH_CHECKS]
        checked = [replace(p, checks=await self.checks(repo, p.head_sha)) for p in head]
        return checked + found[MAX_PULLS_WITH_CHECKS:]

    async def get_pull_request(self, repo: str, number: int, *, with_checks: bool = True) -> PullDetail:
        pull = await self.call(lambda gh: calls.pull(_repo(gh, repo), number), _pull_op(repo, number, "read"))
        return replace(pull, checks=await self.checks(repo, pull.head_sha)) if with_checks else pull

    async def checks(self, repo: str, sha: str) -> Checks:
        op = Operation(action=f"read the checks of {sha[:7]} in {repo}", target=f"Commit {sha[:7]}", repo=repo)
        return await self.call(lambda gh: calls.commit_checks(_repo(gh, repo), sha), op)

    async def list_failed_runs(self, repo: str, *, branch: str | None, limit: int) -> list[RunSummary]:
        return await self.call(
            lambda gh: calls.failed_runs(_repo(gh, repo), branch=branch, limit=limit), _repo_op(repo)
        )

    async def get_run(self, repo: str, run_id: int) -> RunSummary:
        op = Operation(action=f"read run {run_id} in {repo}", target=f"Workflow run {run_id} in {repo}", repo=repo)
        return await self.call(lambda gh: calls.run(_repo(gh, repo), run_id), op)

    async def latest_failed_run_for_pull(self, repo: str, number: int) -> RunSummary:
        sha = (await self.get_pull_request(repo, number, with_checks=False)).head_sha
        runs = await self.call(lambda gh: calls.failed_runs(_repo(gh, repo), head_sha=sha, limit=1), _repo_op(repo))
        if not runs:
            raise NotFound(f"Pull request #{number} in {repo} has no failed workflow run for `{sha[:7]}`.")
        return runs[0]

    async def list_issues(
        self, repo: str, *, state: str, label: str | None, assignee: str | None, limit: int
    ) -> IssueList:
        op = replace(_repo_op(repo), action=f"list the issues of {repo}")
        return await self.call(
            lambda gh: calls.issues(_repo(gh, repo), state=state, label=label, assignee=assignee, limit=limit), op
        )

    async def get_issue(self, repo: str, number: int) -> IssueDetail:
        op = _pull_op(repo, number, "read", noun="Issue")
        return await self.call(lambda gh: calls.issue(_repo(gh, repo), number), op)

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
            return await self.call(lambda gh: calls.close_issue(_repo(gh, repo), number, reason=reason), op)
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
        return await self.call(lambda gh: calls.workflow_file(_repo(gh, repo), workflow, ref), op)

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
