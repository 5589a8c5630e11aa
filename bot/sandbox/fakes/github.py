"""A loopback fake of the GitHub REST API whose answers are built from PyGithub's recorded real exchanges."""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import http
import itertools
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import CIMultiDict

__all__ = [
    "CHECKS",
    "DOCS",
    "FORBIDDEN",
    "GITHUB_API",
    "NOT_FOUND",
    "NOT_MERGEABLE",
    "REPLAY_DIR",
    "ROUTES",
    "WIRE_HEADERS",
    "Call",
    "CheckRun",
    "Exchange",
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
    "parse_replay",
    "recorded",
    "recorded_json",
]

REPLAY_DIR = Path(__file__).resolve().parents[1] / "recorded" / "github" / "replay"
GITHUB_API = "https://api.github.com"
DOCS = "https://docs.github.com/rest"
NOT_FOUND = {"message": "Not Found", "documentation_url": DOCS}
NOT_MERGEABLE = {"message": "Pull Request is not mergeable", "documentation_url": f"{DOCS}/pulls/pulls"}
FORBIDDEN = {"message": "Resource not accessible by personal access token", "documentation_url": DOCS}
WIRE_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "date", "status", "etag", "vary"}


# -- the replay format (see ../recorded/github/replay/FORMAT.md) -----------------------------------------


@dataclass(frozen=True, kw_only=True)
class Exchange:
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    headers: list[tuple[str, str]]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def parse_replay(path: Path) -> list[Exchange]:
    """Ten lines per exchange and a blank separator; a short last block means empty trailing lines."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]
    exchanges = []
    for start in range(0, len(lines), 11):
        block = lines[start : start + 10]
        if any(block):
            exchanges.append(_exchange(block + [""] * (10 - len(block))))
    return exchanges


def _exchange(block: list[str]) -> Exchange:
    scheme, method, _host, _port, path, req_headers, req_body, status, headers, body = block
    if scheme not in ("http", "https"):
        raise ValueError(f"not the start of an exchange: {scheme!r}")
    return Exchange(
        method=method,
        path=path,
        request_headers=ast.literal_eval(req_headers),
        request_body=None if req_body == "None" else req_body,
        status=int(status),
        headers=[(str(k), str(v)) for k, v in ast.literal_eval(headers)],
        body=body,
    )


@functools.cache
def _recordings(name: str) -> tuple[Exchange, ...]:
    return tuple(parse_replay(REPLAY_DIR / f"{name}.txt"))


def recorded(name: str, index: int = 0) -> Exchange:
    return _recordings(name)[index]


def recorded_json(name: str, index: int = 0) -> Any:
    """A fresh copy of a recorded response body, to use as a template."""
    return copy.deepcopy(recorded(name, index).json())


def _retarget(value: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {k: _retarget(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_retarget(v, replacements) for v in value]
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
    return value


def _base_headers() -> list[tuple[str, str]]:
    dispatch_ok = recorded("Workflow.testCreateDispatchWithBranch", 4)
    return [(k, v) for k, v in dispatch_ok.headers if k.lower() not in WIRE_HEADERS and "ratelimit" not in k.lower()]


def _default_fault_body(status: int) -> Any:
    by_status: dict[int, Callable[[], Any]] = {
        401: lambda: recorded_json("Exceptions.testBadAuthentication"),
        403: lambda: dict(FORBIDDEN),
        404: lambda: dict(NOT_FOUND),
        409: lambda: recorded_json("Repository.testMergeWithConflict"),
        422: lambda: recorded_json("Exceptions.testInvalidInput"),
        500: lambda: recorded_json("Retry.testReturnsRepoAfter1Retry"),
        502: lambda: recorded_json("Retry.testRaisesRetryErrorAfterMaxRetries"),
        503: lambda: recorded("Exceptions.testNonJsonDataReturnedByGithub").body,
    }
    return by_status.get(status, lambda: {"message": http.HTTPStatus(status).phrase})()


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


@dataclass(kw_only=True)
class FakeIssue:
    number: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    state: str = "open"


@dataclass(kw_only=True)
class FakeWorkflow:
    id: int
    file: str
    name: str
    dispatchable: bool = True
    required_inputs: tuple[str, ...] = ()


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

    def next_number(self) -> int:
        return max([0, *self.pulls, *self.issues]) + 1


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


@dataclass(kw_only=True)
class Reply:
    status: int
    body: Any = None  # dict/list → JSON, str → sent as is, None → empty
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
    body: Any
    params: dict[str, str]
    repo: FakeRepo | None


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


CheckRun = tuple[str, str, str | None]  # name, status, conclusion
CHECKS: dict[str, list[CheckRun]] = {
    "passing": [("test", "completed", "success")],
    "failing": [("lint", "completed", "success"), ("test", "completed", "failure")],
    "pending": [("test", "in_progress", None)],
}


class FakeGitHub:
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
        self.comments: list[dict[str, Any]] = []
        self.merges: list[dict[str, Any]] = []
        self.dispatches: list[dict[str, Any]] = []
        self.reruns: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._ids = itertools.count(1000)
        self._remaining = 5000
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
    ) -> FakeWorkflow:
        workflow = FakeWorkflow(
            id=next(self._ids),
            file=file,
            name=name or file.rsplit(".", 1)[0],
            dispatchable=dispatchable,
            required_inputs=required,
        )
        self._repo(repo).workflows.append(workflow)
        return workflow

    def _repo(self, full_name: str) -> FakeRepo:
        return self.repos[full_name.lower()]

    # -- faults --

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        apply: bool = False,
    ) -> None:
        """Answer the next `times` matching requests (re.search on the path) with this status.

        `apply=True` performs the request first (a write that happened although the answer is an error).
        """
        reply = Reply(status=status, body=_default_fault_body(status) if body is None else body, headers=headers or {})
        self._faults.append(
            Fault(method=method.upper(), path=re.compile(path_regex), reply=reply, times=times, apply=apply)
        )

    def rate_limit_next(
        self,
        method: str,
        path_regex: str,
        *,
        retry_after: int | None = None,
        reset_in: float = 3600,
        times: int = 1,
    ) -> None:
        """A secondary limit with Retry-After when given, else a primary one that resets in `reset_in` s."""
        if retry_after is not None:
            body = recorded_json("SpecificExceptions.testAuthenticatedRateLimitExceeded", 1)
            headers = {"Retry-After": str(retry_after)}
        else:
            body = recorded_json("SpecificExceptions.testRateLimitExceeded", 1)
            reset = int((self.now() + timedelta(seconds=reset_in)).timestamp())
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
        self.fail_next(method, path_regex, 403, body, headers, times)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.path.search(path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- HTTP --

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._respond(Reply(status=400, body={"message": "Problems parsing JSON"}))
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                json=body,
                headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            )
        )
        return self._respond(self._answer(request, body))

    def _answer(self, request: web.Request, body: Any) -> Reply:
        if not self._authorized(request.headers.get("Authorization")):
            return Reply(status=401, body=recorded_json("Exceptions.testBadAuthentication"))
        fault = self._take_fault(request.method, request.path)
        if fault is not None and not fault.apply:
            return fault.reply
        reply = self._route(request.method, request.path, dict(request.query), body)
        return fault.reply if fault is not None else reply

    def _authorized(self, header: str | None) -> bool:
        # token=None accepts any credentials; set a token to get GitHub's 401 for any other
        return self.token is None or header in (f"token {self.token}", f"Bearer {self.token}")

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
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
        self._remaining = max(0, self._remaining - 1)
        headers: CIMultiDict[str] = CIMultiDict(_base_headers())
        headers["X-RateLimit-Limit"] = "5000"
        headers["X-RateLimit-Remaining"] = str(self._remaining)
        headers["X-RateLimit-Reset"] = str(int((self.now() + timedelta(hours=1)).timestamp()))
        headers.update(reply.headers)
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return web.Response(status=reply.status, body=text.encode(), headers=headers)

    def _page(self, call: Call, items: list[Any], wrap: str | None = None) -> Reply:
        per_page, page = int(call.query.get("per_page", 30)), int(call.query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            nxt = urlencode({**call.query, "page": page + 1})
            headers["Link"] = f'<{self.url}{call.path}?{nxt}>; rel="next"'
        body = chunk if wrap is None else {"total_count": len(items), wrap: chunk}
        return Reply(status=200, body=body, headers=headers)

    # -- JSON shapes, from the recorded templates --

    def _fix(self, value: Any, old_repo: str, repo: FakeRepo) -> Any:
        owner = repo.full_name.split("/")[0]
        return _retarget(value, [(GITHUB_API, self.url), (old_repo, repo.full_name), (old_repo.split("/")[0], owner)])

    def user_json(self, login: str) -> dict[str, Any]:
        user = recorded_json("Exceptions.testUnknownObject", 0)
        user = _retarget(user, [(GITHUB_API, self.url), ("jacquev6", login)])
        user.update(login=login, id=int(_sha(login)[:6], 16))
        return dict(user)

    def team_json(self, repo: FakeRepo, slug: str) -> dict[str, Any]:
        """GitHub's "team-simple" shape, as in a pull request's requested_teams (REST reference, Teams)."""
        org, team_id = repo.full_name.split("/")[0], zlib.crc32(slug.encode())
        return {
            "id": team_id,
            "node_id": f"T_{slug}",
            "url": f"{self.url}/organizations/1/team/{team_id}",
            "html_url": f"https://github.com/orgs/{org}/teams/{slug}",
            "name": slug.replace("-", " ").title(),
            "slug": slug,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "members_url": f"{self.url}/organizations/1/team/{team_id}/members{{/member}}",
            "repositories_url": f"{self.url}/organizations/1/team/{team_id}/repos",
            "parent": None,
        }

    def repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        data = self._fix(recorded_json("Workflow.testCreateDispatchException", 0), "test-org/test-repo", repo)
        data.update(id=repo.id, name=repo.full_name.split("/")[1], full_name=repo.full_name, private=repo.private)
        data.update(default_branch="main", url=f"{self.url}/repos/{repo.full_name}")
        data["owner"]["login"] = repo.full_name.split("/")[0]
        return dict(data)

    def pull_json(self, repo: FakeRepo, pull: FakePull, *, listed: bool = False) -> dict[str, Any]:
        data = recorded_json("PullRequest.testMergeWithCommitMessage", 0)
        data = self._fix(_retarget(data, [("BeaverSoftware/PyGithub", "PyGithub/PyGithub")]), "PyGithub/PyGithub", repo)
        data.update(
            number=pull.number,
            id=repo.id * 1000 + pull.number,
            title=pull.title,
            body=pull.body,
            state=pull.state,
            url=f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}",
            html_url=f"https://github.com/{repo.full_name}/pull/{pull.number}",
            created_at=_stamp(pull.created_at),
            updated_at=_stamp(pull.created_at),
            merged=pull.merged,
            mergeable=pull.mergeable,
            mergeable_state=pull.mergeable_state,
            draft=pull.draft,  # the recorded exchange predates these three fields; GitHub sends them on list and get
            requested_reviewers=[self.user_json(login) for login in pull.requested_reviewers],
            requested_teams=[self.team_json(repo, slug) for slug in pull.requested_teams],
        )
        data["user"] = self.user_json(pull.author)
        data["head"].update(ref=pull.head, sha=pull.head_sha, label=f"{repo.full_name.split('/')[0]}:{pull.head}")
        data["base"].update(ref=pull.base, sha=_sha(pull.base), label=f"{repo.full_name.split('/')[0]}:{pull.base}")
        if listed:  # the list endpoint leaves out what GitHub computes per pull request
            for key in (
                "merged",
                "mergeable",
                "mergeable_state",
                "comments",
                "commits",
                "additions",
                "deletions",
            ):
                data.pop(key, None)
        return dict(data)

    def issue_json(self, repo: FakeRepo, issue: FakeIssue) -> dict[str, Any]:
        data = self._fix(recorded_json("Repository.testCreateIssue", 0), "PyGithub/PyGithub", repo)
        data.pop("pull_request", None)
        data.update(
            number=issue.number,
            id=repo.id * 1000 + issue.number,
            title=issue.title,
            body=issue.body,
            state=issue.state,
            url=f"{self.url}/repos/{repo.full_name}/issues/{issue.number}",
            html_url=f"https://github.com/{repo.full_name}/issues/{issue.number}",
            created_at=_stamp(issue.created_at),
            updated_at=_stamp(issue.created_at),
        )
        data["user"] = self.user_json(issue.user)
        return dict(data)

    def pull_as_issue_json(self, repo: FakeRepo, pull: FakePull) -> dict[str, Any]:
        issue = FakeIssue(
            number=pull.number, title=pull.title, body=pull.body, user=pull.author, created_at=pull.created_at
        )
        data = self.issue_json(repo, issue)
        html = f"https://github.com/{repo.full_name}/pull/{pull.number}"
        data.update(html_url=html, pull_request={"url": f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}"})
        return data

    def run_json(self, repo: FakeRepo, run: FakeRun) -> dict[str, Any]:
        data = self._fix(recorded_json("WorkflowRun.setUp", 1), "PyGithub/PyGithub", repo)
        url = f"{self.url}/repos/{repo.full_name}/actions/runs/{run.id}"
        data.update(
            id=run.id,
            name=run.name,
            display_title=run.title or run.name,
            head_commit={"id": run.head_sha, "message": run.title or run.name},
            head_branch=run.branch,
            head_sha=run.head_sha,
            status=run.status,
            conclusion=run.conclusion,
            event=run.event,
            run_attempt=run.attempt,
            created_at=_stamp(run.created_at),
            updated_at=_stamp(run.created_at),
            run_started_at=_stamp(run.created_at),
            url=url,
            jobs_url=f"{url}/jobs",
            rerun_url=f"{url}/rerun",
            html_url=f"https://github.com/{repo.full_name}/actions/runs/{run.id}",
        )
        return dict(data)

    def workflow_json(self, repo: FakeRepo, workflow: FakeWorkflow) -> dict[str, Any]:
        data = self._fix(recorded_json("Workflow.testCreateDispatchWithBranch", 1), "wrecker/PyGithub", repo)
        data.update(
            id=workflow.id,
            name=workflow.name,
            path=f".github/workflows/{workflow.file}",
            url=f"{self.url}/repos/{repo.full_name}/actions/workflows/{workflow.id}",
            html_url=f"https://github.com/{repo.full_name}/blob/main/.github/workflows/{workflow.file}",
        )
        return dict(data)

    def comment_json(self, repo: FakeRepo, number: int, comment_id: int, body: str) -> dict[str, Any]:
        data = self._fix(recorded_json("Issue.testCreateComment", 0), "PyGithub/PyGithub", repo)
        now = _stamp(self.now())
        data.update(
            id=comment_id,
            body=body,
            created_at=now,
            updated_at=now,
            url=f"{self.url}/repos/{repo.full_name}/issues/comments/{comment_id}",
            html_url=f"https://github.com/{repo.full_name}/issues/{number}#issuecomment-{comment_id}",
            issue_url=f"{self.url}/repos/{repo.full_name}/issues/{number}",
        )
        data["user"] = self.user_json(self.login)
        return dict(data)


# -- endpoints ----------------------------------------------------------------------------------------


def _user(gh: FakeGitHub, call: Call) -> Reply:
    return Reply(status=200, body=gh.user_json(gh.login))


def _user_repos(gh: FakeGitHub, call: Call) -> Reply:
    return gh._page(call, [gh.repo_json(r) for r in gh.repos.values()])


def _get_repo(gh: FakeGitHub, call: Call) -> Reply:
    assert call.repo is not None
    return Reply(status=200, body=gh.repo_json(call.repo))


def _list_pulls(gh: FakeGitHub, call: Call) -> Reply:
    repo, state = _repo_of(call), call.query.get("state", "open")
    pulls = [p for p in sorted(repo.pulls.values(), key=lambda p: -p.number) if state in ("all", p.state)]
    return gh._page(call, [gh.pull_json(repo, p, listed=True) for p in pulls])


def _get_pull(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    pull = repo.pulls.get(int(call.params["number"]))
    return Reply(status=200, body=gh.pull_json(repo, pull)) if pull else Reply(status=404, body=dict(NOT_FOUND))


def _merge(gh: FakeGitHub, call: Call) -> Reply:
    repo, body = _repo_of(call), call.body or {}
    pull = repo.pulls.get(int(call.params["number"]))
    if pull is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    if pull.merged or pull.state != "open" or pull.mergeable is False:
        return Reply(status=405, body=dict(NOT_MERGEABLE))
    if body.get("sha") not in (None, pull.head_sha):
        return Reply(status=409, body={"message": "Head branch was modified. Review and try the merge again."})
    method = body.get("merge_method", "merge")
    if method not in ("merge", "squash", "rebase"):
        return Reply(status=422, body={"message": "Validation Failed", "errors": [f"Invalid merge_method {method}"]})
    sha = _sha(f"merge {repo.full_name}#{pull.number}")
    pull.merged, pull.state = True, "closed"
    gh.merges.append({"repo": repo.full_name, "number": pull.number, "method": method, "sha": sha, **body})
    merged = recorded_json("PullRequest.testMerge", 1)
    merged.update(sha=sha)
    return Reply(status=200, body=merged)


def _combined_status(gh: FakeGitHub, call: Call) -> Reply:
    repo, sha = _repo_of(call), call.params["sha"]
    statuses = gh.statuses.get(sha, [])
    states = {state for _, state in statuses}
    combined = (
        "failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states else "success"
    )
    now = _stamp(gh.now())
    items = [
        {
            "id": i + 1,
            "node_id": f"SC_{i}",
            "state": state,
            "context": context,
            "description": None,
            "target_url": None,
            "url": f"{gh.url}/repos/{repo.full_name}/statuses/{sha}",
            "created_at": now,
            "updated_at": now,
        }
        for i, (context, state) in enumerate(statuses)
    ]
    body = {
        "state": combined,
        "statuses": items,
        "sha": sha,
        "total_count": len(items),
        "repository": gh.repo_json(repo),
        "commit_url": f"{gh.url}/repos/{repo.full_name}/commits/{sha}",
        "url": f"{gh.url}/repos/{repo.full_name}/commits/{sha}/status",
    }
    return Reply(status=200, body=body)


def _check_runs(gh: FakeGitHub, call: Call) -> Reply:
    repo, sha = _repo_of(call), call.params["sha"]
    now = _stamp(gh.now())
    runs: list[dict[str, Any]] = [
        {
            "id": i + 1,
            "node_id": f"CR_{i}",
            "head_sha": sha,
            "external_id": "",
            "name": name,
            "status": status,
            "conclusion": conclusion,
            "started_at": now,
            "completed_at": now if status == "completed" else None,
            "url": f"{gh.url}/repos/{repo.full_name}/check-runs/{i + 1}",
            "html_url": f"https://github.com/{repo.full_name}/runs/{i + 1}",
            "details_url": None,
            "output": {"title": None, "summary": None, "text": None, "annotations_count": 0},
            "pull_requests": [],
        }
        for i, (name, status, conclusion) in enumerate(gh.check_runs.get(sha, []))
    ]
    return gh._page(call, runs, wrap="check_runs")


def _list_runs(gh: FakeGitHub, call: Call) -> Reply:
    repo, q = _repo_of(call), call.query
    runs = [
        r
        for r in sorted(repo.runs.values(), key=lambda r: (r.created_at, r.id), reverse=True)
        if q.get("status", r.status) in (r.status, r.conclusion)
        and q.get("branch", r.branch) == r.branch
        and q.get("head_sha", r.head_sha) == r.head_sha
    ]
    return gh._page(call, [gh.run_json(repo, r) for r in runs], wrap="workflow_runs")


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
    repo, body = _repo_of(call), call.body or {}
    if not str(body.get("title") or "").strip():
        invalid = {
            "message": "Validation Failed",
            "documentation_url": f"{DOCS}/issues/issues#create-an-issue",
            "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
        }
        return Reply(status=422, body=invalid)
    issue = FakeIssue(
        number=repo.next_number(),
        title=body["title"],
        body=body.get("body"),
        user=gh.login,
        created_at=gh.now(),
    )
    repo.issues[issue.number] = issue
    gh.issues.append(issue)
    data = gh.issue_json(repo, issue)
    return Reply(status=201, body=data, headers={"Location": data["url"]})


def _list_issues(gh: FakeGitHub, call: Call) -> Reply:
    repo, q = _repo_of(call), call.query
    items = [(i.created_at, i.state, i.user, gh.issue_json(repo, i)) for i in repo.issues.values()]
    items += [(p.created_at, p.state, p.author, gh.pull_as_issue_json(repo, p)) for p in repo.pulls.values()]
    since = datetime.fromisoformat(q["since"]) if "since" in q else None
    state = q.get("state", "open")
    kept = [
        data
        for created, st, user, data in sorted(items, key=lambda i: i[0], reverse=True)
        if state in ("all", st) and q.get("creator", user) == user and (since is None or created >= since)
    ]
    return gh._page(call, kept)


def _comment(gh: FakeGitHub, call: Call) -> Reply:
    repo, body = _repo_of(call), call.body or {}
    number = int(call.params["number"])
    if number not in repo.issues and number not in repo.pulls:
        return Reply(status=404, body=dict(NOT_FOUND))
    if not body.get("body"):
        return Reply(
            status=422,
            body={"message": "Validation Failed", "errors": [{"field": "body", "code": "missing"}]},
        )
    comment_id = next(gh._ids)
    gh.comments.append({"repo": repo.full_name, "number": number, "body": body["body"], "id": comment_id})
    return Reply(status=201, body=gh.comment_json(repo, number, comment_id, body["body"]))


def _find_workflow(repo: FakeRepo, key: str) -> FakeWorkflow | None:
    return next((w for w in repo.workflows if key in (str(w.id), w.file)), None)


def _get_workflow(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo_of(call)
    workflow = _find_workflow(repo, call.params["workflow"])
    if workflow is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    return Reply(status=200, body=gh.workflow_json(repo, workflow))


def _dispatch(gh: FakeGitHub, call: Call) -> Reply:
    repo, body = _repo_of(call), call.body or {}
    workflow = _find_workflow(repo, call.params["workflow"])
    if workflow is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    if not workflow.dispatchable:
        return Reply(status=422, body=recorded_json("Workflow.testCreateDispatchForNonTriggerEnabled", 2))
    ref, inputs = body.get("ref"), body.get("inputs") or {}
    if ref not in repo.branches:
        return Reply(status=422, body={"message": f"No ref found for: {ref}", "documentation_url": DOCS})
    missing = [name for name in workflow.required_inputs if name not in inputs]
    if missing:
        recorded_error = recorded_json("Workflow.testCreateDispatchException", 2)
        recorded_error["message"] = f"Required input '{missing[0]}' not provided"
        return Reply(status=422, body=recorded_error)
    gh.dispatches.append({"repo": repo.full_name, "workflow": workflow.file, "ref": ref, "inputs": inputs})
    return Reply(status=204)


def _repo_of(call: Call) -> FakeRepo:
    assert call.repo is not None
    return call.repo


R = r"/repos/(?P<repo>[^/]+/[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Callable[[FakeGitHub, Call], Reply]]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in [
        ("GET", r"/user", _user),
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
        ("GET", rf"{R}/issues", _list_issues),
        ("POST", rf"{R}/issues", _create_issue),
        ("POST", rf"{R}/issues/(?P<number>\d+)/comments", _comment),
        ("GET", rf"{R}/actions/workflows/(?P<workflow>[^/]+)", _get_workflow),
        ("POST", rf"{R}/actions/workflows/(?P<workflow>[^/]+)/dispatches", _dispatch),
    ]
]
