"""A loopback fake of the GitHub REST API: its state, faults and HTTP; bodies in GitHub's documented shapes."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web
from multidict import CIMultiDict

from bot.core.jsonvalue import Json
from bot.sandbox.fakes.github.app_routes import GitHubApps
from bot.sandbox.fakes.github.app_state import AppState
from bot.sandbox.fakes.github.etags import conditional, spend
from bot.sandbox.fakes.github.faults import GitHubFaults, Hold
from bot.sandbox.fakes.github.github_state import (
    CHECKS,
    Call,
    CheckRun,
    FakeIssue,
    FakePull,
    FakeRepo,
    FakeRun,
    FakeWorkflow,
    Fault,
    RecordedComment,
    RecordedDispatch,
    RecordedMerge,
    RecordedRequest,
    RecordedRerun,
    Reply,
    _sha,
)
from bot.sandbox.fakes.github.payloads import GitHubPayloads
from bot.sandbox.fakes.github.routes import ROUTES, R
from bot.sandbox.fakes.github.wire import (
    BAD_JSON,
    DOCS,
    FORBIDDEN,
    GITHUB_API,
    NOT_FOUND,
    NOT_MERGEABLE,
    RATE_LIMIT,
    request_id,
    response_headers,
)

__all__ = [
    "CHECKS",
    "DOCS",
    "FORBIDDEN",
    "GITHUB_API",
    "NOT_FOUND",
    "NOT_MERGEABLE",
    "ROUTES",
    "Call",
    "CheckRun",
    "FakeGitHub",
    "FakeIssue",
    "FakePull",
    "FakeRepo",
    "FakeRun",
    "FakeWorkflow",
    "Fault",
    "R",
    "RecordedRequest",
    "Reply",
]


class FakeGitHub(GitHubPayloads, GitHubFaults, GitHubApps):
    """`async with FakeGitHub() as gh:` serves on `gh.url`; state via `add_*`, faults via `fail_next`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        login: str = "opsbot",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.token = token
        self.login = login
        self.now = now or (lambda: datetime.now(UTC))
        self.url = ""
        self.repos: dict[str, FakeRepo] = {}
        self.statuses: dict[str, list[tuple[str, str]]] = {}
        self.check_runs: dict[str, list[CheckRun]] = {}
        self.issues: list[FakeIssue] = []
        self.comments: list[RecordedComment] = []
        self.merges: list[RecordedMerge] = []
        self.dispatches: list[RecordedDispatch] = []
        self.reruns: list[RecordedRerun] = []
        self.requests: list[RecordedRequest] = []
        self.apps = AppState()  # a GitHub App, once `add_app` names one (bot/sandbox/fakes/github/app_routes.py)
        self._faults: list[Fault] = []
        self._holds: list[Hold] = []
        self._ids = itertools.count(1000)
        self.remaining_requests = RATE_LIMIT
        self._request_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # -- lifecycle --

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self.release_holds()  # a held request would keep the runner's cleanup waiting
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeGitHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- state --

    def add_repo(self, full_name: str, *, private: bool = False) -> FakeRepo:
        repo = FakeRepo(full_name=full_name, id=next(self._ids), private=private)
        self.repos[full_name.lower()] = repo
        return repo

    def add_pr(
        self,
        repo: str,
        number: int,
        title: str,
        *,
        author: str = "octocat",
        head: str = "feature",
        base: str = "main",
        mergeable: bool | None = True,
        mergeable_state: str = "clean",
        head_sha: str | None = None,
        checks: str | None = None,
        age: timedelta = timedelta(days=3),
        draft: bool = False,
        reviewers: tuple[str, ...] = (),
        teams: tuple[str, ...] = (),
    ) -> FakePull:
        """`checks` is "passing", "failing" or "pending" (check runs on the head sha), or None for none."""
        owner = self._repo(repo)
        sha = head_sha or _sha(f"{repo}#{number}")
        pull = FakePull(
            number=number,
            title=title,
            author=author,
            head=head,
            base=base,
            head_sha=sha,
            mergeable=mergeable,
            mergeable_state=mergeable_state,
            created_at=self.now() - age,
            draft=draft,
            requested_reviewers=list(reviewers),
            requested_teams=list(teams),
        )
        owner.pulls[number] = pull
        owner.branches |= {head, base}
        if checks is not None:
            self.check_runs[sha] = list(CHECKS[checks])
        return pull

    def add_issue(
        self,
        repo: str,
        number: int,
        title: str,
        *,
        user: str = "ana",
        body: str | None = None,
        labels: tuple[str, ...] = (),
        assignees: tuple[str, ...] = (),
        age: timedelta = timedelta(days=1),
    ) -> FakeIssue:
        """An open issue; `labels` by name, `assignees` by login."""
        issue = FakeIssue(number=number, title=title, body=body, user=user, created_at=self.now() - age)
        issue.labels, issue.assignees = list(labels), list(assignees)
        self._repo(repo).issues[number] = issue
        return issue

    def set_status(self, sha: str, context: str, state: str) -> None:
        """A commit status (the older API): state is success, failure, error or pending."""
        self.statuses.setdefault(sha, []).append((context, state))

    def add_check_run(self, sha: str, name: str, status: str = "completed", conclusion: str | None = None) -> None:
        self.check_runs.setdefault(sha, []).append((name, status, conclusion))

    def add_run(
        self,
        repo: str,
        run_id: int,
        *,
        name: str = "CI",
        branch: str = "main",
        head_sha: str | None = None,
        conclusion: str | None = "failure",
        status: str = "completed",
        age: timedelta = timedelta(hours=2),
    ) -> FakeRun:
        run = FakeRun(
            id=run_id,
            name=name,
            branch=branch,
            head_sha=head_sha or _sha(f"run{run_id}"),
            conclusion=conclusion,
            status=status,
            created_at=self.now() - age,
        )
        self._repo(repo).runs[run_id] = run
        return run

    def add_workflow(
        self,
        repo: str,
        file: str,
        *,
        name: str | None = None,
        dispatchable: bool = True,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> FakeWorkflow:
        named = name or file.rsplit(".", 1)[0]
        workflow = FakeWorkflow(id=next(self._ids), file=file, name=named, dispatchable=dispatchable)
        workflow.required_inputs, workflow.optional_inputs = required, optional
        self._repo(repo).workflows.append(workflow)
        return workflow

    def _repo(self, full_name: str) -> FakeRepo:
        return self.repos[full_name.lower()]

    # -- HTTP --

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Json = json.loads(raw) if raw else None
        except ValueError:
            return self._respond(Reply(status=400, body=dict(BAD_JSON)))
        self.requests.append(self.recorded(request, body))
        await self._wait_if_held(request.method, request.path)
        return self._respond(
            conditional(request.method, request.headers.get("If-None-Match"), self._answer(request, body))
        )

    def _answer(self, request: web.Request, body: Json) -> Reply:
        if (refused := self.credentials_refusal(request.path, request.headers.get("Authorization"))) is not None:
            return refused
        fault = self._take_fault(request.method, request.path)
        if fault is not None and not fault.apply:
            return fault.reply
        reply = self._route(request.method, request.path, dict(request.query), body)
        return fault.reply if fault is not None else reply

    def _route(self, method: str, path: str, query: dict[str, str], body: Json) -> Reply:
        for route_method, pattern, handler in ROUTES:
            match = pattern.fullmatch(path)
            if route_method != method or match is None:
                continue
            params = match.groupdict()
            repo = self.repos.get(params.get("repo", "").lower()) if "repo" in params else None
            if "repo" in params and repo is None:
                return Reply(status=404, body=dict(NOT_FOUND))
            return handler(self, Call(method=method, path=path, query=query, body=body, params=params, repo=repo))
        return Reply(status=404, body=dict(NOT_FOUND))

    def _respond(self, reply: Reply) -> web.Response:
        self.remaining_requests = spend(self.remaining_requests, reply)
        reset = int((self.now() + timedelta(hours=1)).timestamp())
        rid = request_id(next(self._request_ids))
        headers: CIMultiDict[str] = CIMultiDict(
            response_headers(request_id=rid, remaining=self.remaining_requests, reset=reset)
        )
        headers.update(reply.headers)
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        if isinstance(reply.body, str):  # a page from GitHub's edge, not the API: HTML
            headers["Content-Type"] = "text/html; charset=utf-8"
            return web.Response(status=reply.status, body=reply.body.encode(), headers=headers)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)
