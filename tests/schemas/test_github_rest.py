"""Every route of the fake GitHub, over HTTP through githubkit, against the model GitHub's OpenAPI names for it.

githubkit's REST client (for version 2022-11-28, the one the fake serves) is generated from GitHub's OpenAPI
description: each operation passes the model of its
2xx answer and of each documented error status. We capture those at the moment githubkit checks the answer and
validate the bytes strictly (tests/schemas/github_models.py). An error status the operation does not document
(a 502 from the edge, a dispatch refusal) is checked as GitHub's generic "basic-error".
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pydantic
import pytest
from github.Requester import Requester
from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import GitHubException
from githubkit.utils import UNSET
from githubkit_schemas.v2022_11_28.rest import RestNamespace

from bot.sandbox.fakes.github.deploy_history import add_deployment, add_history
from bot.sandbox.fakes.github.github_state import _sha
from tests.fakes.github import ROUTES, FakeGitHub, FakeIssue
from tests.github.app_fixtures import APP_ID, app_jwt, private_key, public_key
from tests.schemas.github_models import API_VERSION, models, validate

TOKEN = "ghp_schemaCHECK000000000000000000000000"  # only the loopback fake sees it
JSON = {"Content-Type": "application/json"}
SHA = "9f1c2e7d4b3a5968776655443322110fedcba987"


class Capturing(GitHub[TokenAuthStrategy]):
    """githubkit's client, remembering each answer with the models its operation expects."""

    def __init__(self, url: str, token: str = TOKEN) -> None:
        # rest_api_validate_body=False: some cases send what GitHub must refuse (a merge method it has not)
        super().__init__(TokenAuthStrategy(token), base_url=url, auto_retry=False, rest_api_validate_body=False)
        self.answers: list[tuple[httpx.Response, Any, dict[str, Any]]] = []

    def _check(self, response: httpx.Response, response_model: Any = UNSET, error_models: Any = None) -> Any:
        self.answers.append((response, response_model, dict(error_models or {})))
        return super()._check(response, response_model, error_models)


@dataclass(frozen=True)
class Case:
    name: str
    route: str  # the handler of the ROUTES entry the request's path is for, or "" for a path the fake has none for
    status: int
    call: Call
    token: str = TOKEN


Call = Callable[[RestNamespace, FakeGitHub], Awaitable[Any]]


def case(name: str, route: str, status: int, token: str = TOKEN) -> Callable[[Call], Case]:
    def wrap(call: Call) -> Case:
        return Case(name, route, status, call, token)

    return wrap


CASES = [
    case("the authenticated user", "_user", 200)(lambda r, g: r.users.async_get_authenticated()),
    case("bad credentials", "_user", 401, token="ghp_wrong")(lambda r, g: r.users.async_get_authenticated()),
    case("the token's repositories", "_user_repos", 200)(lambda r, g: r.repos.async_list_for_authenticated_user()),
    case("a repository", "_get_repo", 200)(lambda r, g: r.repos.async_get("acme", "api")),
    case("an unknown repository", "_get_repo", 404)(lambda r, g: r.repos.async_get("acme", "nope")),
    case("open pull requests", "_list_pulls", 200)(lambda r, g: r.pulls.async_list("acme", "api")),
    case("a pull request", "_get_pull", 200)(lambda r, g: r.pulls.async_get("acme", "api", 7)),
    case("a merged pull request", "_get_pull", 200)(lambda r, g: r.pulls.async_get("acme", "api", 5)),
    case("an unknown pull request", "_get_pull", 404)(lambda r, g: r.pulls.async_get("acme", "api", 99)),
    case("a merge", "_merge", 200)(lambda r, g: r.pulls.async_merge("acme", "api", 7, merge_method="squash")),
    case("a merge of a merged one", "_merge", 405)(lambda r, g: r.pulls.async_merge("acme", "api", 5)),
    case("a merge of a moved head", "_merge", 409)(lambda r, g: r.pulls.async_merge("acme", "api", 7, sha="0" * 40)),
    case("a merge with a bad method", "_merge", 422)(
        lambda r, g: r.pulls.async_merge("acme", "api", 7, data=cast(Any, {"merge_method": "octopus"}))
    ),
    case("a commit's statuses", "_combined_status", 200)(
        lambda r, g: r.repos.async_get_combined_status_for_ref("acme", "api", SHA)
    ),
    case("a commit's check runs", "_check_runs", 200)(lambda r, g: r.checks.async_list_for_ref("acme", "api", SHA)),
    case("workflow runs", "_list_runs", 200)(lambda r, g: r.actions.async_list_workflow_runs_for_repo("acme", "api")),
    case("a workflow run", "_get_run", 200)(lambda r, g: r.actions.async_get_workflow_run("acme", "api", 4242)),
    case("a rerun", "_rerun", 201)(lambda r, g: r.actions.async_re_run_workflow_failed_jobs("acme", "api", 4242)),
    case("a deployment gate answered", "_review", 204)(
        lambda r, g: r.actions.async_review_custom_gates_for_run(
            "acme", "api", 4242, environment_name="production", state="approved", comment="Approved in Slack."
        )
    ),
    case("a deployment gate answered without its environment", "_review", 422)(
        lambda r, g: r.actions.async_review_custom_gates_for_run(
            "acme", "api", 4242, environment_name="", state="rejected", comment="No."
        )
    ),
    case("issues and pulls", "list_issues", 200)(lambda r, g: r.issues.async_list_for_repo("acme", "api", state="all")),
    case("issues with a label, assigned to someone", "list_issues", 200)(
        lambda r, g: r.issues.async_list_for_repo("acme", "api", labels="good first issue", assignee="ana")
    ),
    case("unassigned closed issues", "list_issues", 200)(
        lambda r, g: r.issues.async_list_for_repo("acme", "api", state="closed", assignee="none")
    ),
    case("a second page of issues", "list_issues", 200)(
        lambda r, g: r.issues.async_list_for_repo("acme", "api", state="all", per_page=2, page=2)
    ),
    case("issues of an unknown repository", "list_issues", 404)(
        lambda r, g: r.issues.async_list_for_repo("acme", "nope")
    ),
    case("a new issue", "_create_issue", 201)(lambda r, g: r.issues.async_create("acme", "api", title="Disk full")),
    case("an issue without a title", "_create_issue", 422)(
        lambda r, g: r.issues.async_create("acme", "api", title=" ")
    ),
    case("a comment", "_comment", 201)(lambda r, g: r.issues.async_create_comment("acme", "api", 7, body="On it.")),
    case("an empty comment", "_comment", 422)(lambda r, g: r.issues.async_create_comment("acme", "api", 7, body="")),
    case("an issue", "_get_issue", 200)(lambda r, g: r.issues.async_get("acme", "api", 1)),
    case("a pull request as an issue", "_get_issue", 200)(lambda r, g: r.issues.async_get("acme", "api", 7)),
    case("a merged pull request as an issue", "_get_issue", 200)(lambda r, g: r.issues.async_get("acme", "api", 5)),
    case("an unknown issue", "_get_issue", 404)(lambda r, g: r.issues.async_get("acme", "api", 99)),
    case("a closed issue", "_update_issue", 200)(
        lambda r, g: r.issues.async_update("acme", "api", 1, state="closed", state_reason="not_planned")
    ),
    case("a closed pull request", "_update_issue", 200)(
        lambda r, g: r.issues.async_update("acme", "api", 7, state="closed", state_reason="completed")
    ),
    case("a reopened issue", "_update_issue", 200)(lambda r, g: r.issues.async_update("acme", "api", 2, state="open")),
    case("closing an unknown issue", "_update_issue", 404)(
        lambda r, g: r.issues.async_update("acme", "api", 99, state="closed")
    ),
    case("closing with a reason GitHub has not", "_update_issue", 422)(
        lambda r, g: r.issues.async_update(
            "acme", "api", 1, data=cast(Any, {"state": "closed", "state_reason": "wontfix"})
        )
    ),
    case("an endpoint the fake has not", "", 404)(
        lambda r, g: r._github.arequest("GET", "/repos/acme/api/branches", error_models={"404": models.BasicError})
    ),
    case("a body that is not JSON", "_create_issue", 400)(
        lambda r, g: r._github.arequest(
            "POST", "/repos/acme/api/issues", content=b"{", headers={"Content-Type": "application/json"}
        )
    ),
    case("a workflow", "_get_workflow", 200)(lambda r, g: r.actions.async_get_workflow("acme", "api", "deploy.yml")),
    case("a workflow file", "get_content", 200)(
        lambda r, g: r.repos.async_get_content("acme", "api", ".github/workflows/deploy.yml", ref="main")
    ),
    case("a workflow file on an unknown ref", "get_content", 404)(
        lambda r, g: r.repos.async_get_content("acme", "api", ".github/workflows/deploy.yml", ref="nope")
    ),
    case("a file the fake has not", "get_content", 404)(
        lambda r, g: r.repos.async_get_content("acme", "api", "README.md")
    ),
    case("a dispatch", "_dispatch", 204)(
        lambda r, g: r.actions.async_create_workflow_dispatch(
            "acme", "api", "deploy.yml", ref="main", inputs={"environment": "staging"}
        )
    ),
    case("a dispatch without its input", "_dispatch", 422)(
        lambda r, g: r.actions.async_create_workflow_dispatch("acme", "api", "deploy.yml", ref="main")
    ),
    case("a dispatch of an undispatchable workflow", "_dispatch", 422)(
        lambda r, g: r.actions.async_create_workflow_dispatch("acme", "api", "ci.yml", ref="main")
    ),
    case("a dispatch with an undeclared input", "_dispatch", 422)(
        lambda r, g: r.actions.async_create_workflow_dispatch(
            "acme", "api", "deploy.yml", ref="main", inputs={"environment": "staging", "colour": "blue"}
        )
    ),
    case("a dispatch on an unknown ref", "_dispatch", 422)(
        lambda r, g: r.actions.async_create_workflow_dispatch("acme", "api", "deploy.yml", ref="nope")
    ),
]


FAULTED: dict[str, tuple[str, str, Callable[[RestNamespace], Awaitable[Any]]]] = {  # route: method, path, call
    "_create_issue": ("POST", r"/issues$", lambda r: r.issues.async_create("acme", "api", title="Disk full")),
    "_get_pull": ("GET", r"/pulls/7$", lambda r: r.pulls.async_get("acme", "api", 7)),
    "_get_issue": ("GET", r"/issues/1$", lambda r: r.issues.async_get("acme", "api", 1)),
}


def _fault(status: int, route: str) -> Call:
    """A fault injected with its default body, on one of the FAULTED operations."""
    method, path, request = FAULTED[route]

    async def call(r: RestNamespace, g: FakeGitHub) -> Any:
        g.fail_next(method, path, status)
        return await request(r)

    return call


def _faults() -> list[Case]:
    """Every default fault body, each on an operation that documents that status where one does."""
    made = [
        case(f"an injected {status}", route, status)(_fault(status, route))
        for status, route in [
            (401, "_create_issue"),
            (403, "_create_issue"),
            (404, "_get_pull"),
            (405, "_create_issue"),
            (409, "_create_issue"),
            (410, "_get_issue"),
            (422, "_create_issue"),
            (500, "_get_pull"),
            (502, "_get_pull"),
            (503, "_get_pull"),
        ]
    ]
    made.append(case("a primary rate limit", "_user_repos", 403)(lambda r, g: _limited(r, g, retry_after=None)))
    made.append(case("a secondary rate limit", "_user_repos", 403)(lambda r, g: _limited(r, g, retry_after=30)))
    return made


async def _limited(r: RestNamespace, g: FakeGitHub, *, retry_after: int | None) -> Any:
    g.rate_limit_next("GET", r"/user/repos$", retry_after=retry_after)
    return await r.repos.async_list_for_authenticated_user()


JWT = "<the App's JWT, signed when the case runs>"
APP_CASES = [
    case("the App", "get_app", 200, token=JWT)(lambda r, g: r.apps.async_get_authenticated()),
    case("the App's installations", "list_installations", 200, token=JWT)(
        lambda r, g: r.apps.async_list_installations()
    ),
    case("a repository's installation", "repo_installation", 200, token=JWT)(
        lambda r, g: r.apps.async_get_repo_installation("acme", "api")
    ),
    case("a repository without the App", "repo_installation", 404, token=JWT)(
        lambda r, g: r.apps.async_get_repo_installation("initech", "app")
    ),
    case("an organization's installation", "account_installation", 200, token=JWT)(
        lambda r, g: r.apps.async_get_org_installation("acme")
    ),
    case("a user's installation", "account_installation", 200, token=JWT)(
        lambda r, g: r.apps.async_get_user_installation("ben")
    ),
    case("an installation token", "access_token", 201, token=JWT)(
        lambda r, g: r.apps.async_create_installation_access_token(11)
    ),
    case("a JWT that is not the App's", "get_app", 401, token="eyJhbGciOiJIUzI1NiJ9.e30.c2ln")(
        lambda r, g: r.apps.async_get_authenticated()
    ),
]
HISTORY = [("Release 1.3", "ben"), ("Merge pull request #7 from acme/rate-limit", "ana"), ("Bump deps (#8)", "cy")]
SHIPPED = [_sha(f"acme/api#{i}:{m}") for i, (m, _) in enumerate(HISTORY)]
HISTORY_CASES = [
    case("deployments to an environment", "_list_deployments", 200)(
        lambda r, g: r.repos.async_list_deployments("acme", "api", environment="production")
    ),
    case("a deployment's statuses", "_list_statuses", 200)(
        lambda r, g: r.repos.async_list_deployment_statuses("acme", "api", g.repos["acme/api"].deployments[0].id)
    ),
    case("the commits between two deployments", "_compare", 200)(
        lambda r, g: r.repos.async_compare_commits("acme", "api", f"{SHIPPED[0]}...{SHIPPED[-1]}")
    ),
    case("a compare of a commit the repository lacks", "_compare", 404)(
        lambda r, g: r.repos.async_compare_commits("acme", "api", f"{'0' * 40}...{SHIPPED[-1]}")
    ),
]
ALL = CASES + _faults() + APP_CASES + HISTORY_CASES


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN, login="opsbot") as gh:
        gh.add_repo("acme/api")
        gh.add_repo("acme/web", private=True)
        gh.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana", checks="failing", reviewers=("ben",))
        gh.add_pr("acme/api", 8, "Upgrade SQLAlchemy", author="dependabot", teams=("platform",), draft=True)
        merged = gh.add_pr("acme/api", 5, "Fix flaky retry test", author="cy")
        merged.state, merged.merged, merged.merged_by, merged.closed_at = "closed", True, "ben", gh.now()
        gh.set_status(SHA, "ci/legacy", "success")
        shas = add_history(gh, "acme/api", HISTORY)
        add_deployment(gh, "acme/api", "production", shas[0], "in_progress", "success")
        gh.set_status(SHA, "ci/docs", "pending")
        gh.add_check_run(SHA, "lint", "completed", "success")
        gh.add_check_run(SHA, "test", "in_progress")
        gh.add_run("acme/api", 4242, head_sha=SHA)
        gh.add_run("acme/api", 4241, conclusion="success")
        gh.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))
        gh.add_workflow("acme/api", "ci.yml", name="CI", dispatchable=False)
        gh.add_repo("initech/app")
        gh.add_app(app_id=APP_ID, public_key=public_key(private_key()))
        gh.add_installation(11, "acme")
        gh.add_installation(12, "ben", repos=["ben/dotfiles"])
        gh.repos["acme/api"].issues[1] = FakeIssue(
            number=1,
            title="Disk full on db-1",
            body=None,
            user="ben",
            created_at=gh.now(),
            labels=["bug", "good first issue"],
            assignees=["ana", "cy"],
        )
        gh.repos["acme/api"].issues[2] = FakeIssue(
            number=2,
            title="Old alert",
            body="Fixed.",
            user="ana",
            created_at=gh.now(),
            state="closed",
            state_reason="completed",
            closed_at=gh.now(),
            closed_by="ben",
        )
        yield gh


def route_of(method: str, path: str) -> str:
    found = [handler.__name__ for m, pattern, handler in ROUTES if m == method and pattern.fullmatch(path)]
    assert len(found) <= 1, found
    return found[0] if found else ""


@pytest.mark.parametrize("check", ALL, ids=[c.name for c in ALL])
async def test_the_answer_is_what_githubs_openapi_says(fake: FakeGitHub, check: Case) -> None:
    client = Capturing(fake.url, app_jwt() if check.token == JWT else check.token)
    with contextlib.suppress(GitHubException):  # an error status: githubkit raises; the answer is captured
        await check.call(client.rest(API_VERSION), fake)
    [(response, model, errors)] = client.answers
    assert response.status_code == check.status, response.text
    assert route_of(response.request.method, response.request.url.path) == check.route
    if check.status == 204:  # "No Content": the operation documents no body, and there is none
        assert (model, response.content) == (UNSET, b"")
        return
    if response.is_success:
        assert model is not UNSET, "githubkit names the success model of every operation we serve"
    else:
        model = errors.get(str(check.status), models.BasicError)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    value = validate(model, response.content)
    if check.route == "_user" and response.is_success:  # "private-user or public-user": ours is the private one
        assert isinstance(value, models.PrivateUser)


def test_every_route_is_checked_with_a_success_and_every_fault_body_with_its_status() -> None:
    # POST /graphql is not REST: tests/github/test_graphql_schema.py checks its queries against GitHub's schema
    routes = {handler.__name__ for _, _, handler in ROUTES} - {"graphql"}
    assert routes == {c.route for c in ALL if c.status < 300}, "a route of the fake without a schema case"
    statuses = {c.status for c in ALL if c.status >= 400}
    assert statuses >= {401, 403, 404, 405, 409, 410, 422, 500, 502, 503}


async def test_every_answer_carries_githubs_headers(fake: FakeGitHub) -> None:
    client = Capturing(fake.url)
    await client.rest(API_VERSION).pulls.async_list("acme", "api")
    await client.rest(API_VERSION).actions.async_re_run_workflow_failed_jobs("acme", "api", 4242)
    first, second = (r for r, _, _ in client.answers)
    for response in (first, second):
        assert response.headers["x-github-media-type"] == "github.v3; format=json"
        assert response.headers["x-github-api-version-selected"] == API_VERSION
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "core"
        used, remaining = int(response.headers["x-ratelimit-used"]), int(response.headers["x-ratelimit-remaining"])
        assert used + remaining == 5000
        assert int(response.headers["x-ratelimit-reset"]) > int(fake.now().timestamp())
    assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
    assert first.headers["x-github-request-id"] != second.headers["x-github-request-id"]


async def test_a_list_is_paged_with_githubs_link_header(fake: FakeGitHub) -> None:
    client = Capturing(fake.url)
    rest = client.rest(API_VERSION)
    await rest.issues.async_list_for_repo("acme", "api", state="all", per_page=1)
    await rest.issues.async_list_for_repo("acme", "api", state="all", per_page=1, page=3)
    await rest.issues.async_list_for_repo("acme", "api", state="all", per_page=1, page=5)
    await rest.issues.async_list_for_repo("acme", "api", state="all")
    first, middle, last, single = (r for r, _, _ in client.answers)
    url = f"{fake.url}/repos/acme/api/issues?state=all&per_page=1&page="
    assert first.headers["link"] == f'<{url}2>; rel="next", <{url}5>; rel="last"'
    assert middle.headers["link"] == (
        f'<{url}2>; rel="prev", <{url}4>; rel="next", <{url}5>; rel="last", <{url}1>; rel="first"'
    )
    assert last.headers["link"] == f'<{url}4>; rel="prev", <{url}1>; rel="first"'
    assert "link" not in single.headers  # one page: no Link at all
    # two issues and three pull requests
    assert [len(json.loads(r.content)) for r in (first, middle, last, single)] == [1, 1, 1, 5]


async def test_rate_limit_answers_are_recognised_as_such_by_pygithub(fake: FakeGitHub) -> None:
    client = Capturing(fake.url)
    for retry_after in (None, 30):
        fake.rate_limit_next("GET", r"/user/repos$", retry_after=retry_after)
        with pytest.raises(GitHubException):
            await client.rest(API_VERSION).repos.async_list_for_authenticated_user()
    primary, secondary = (json.loads(r.content)["message"] for r, _, _ in client.answers)
    assert Requester.isPrimaryRateLimitError(primary) and not Requester.isSecondaryRateLimitError(primary)
    assert Requester.isSecondaryRateLimitError(secondary) and not Requester.isPrimaryRateLimitError(secondary)
    first, second = (r for r, _, _ in client.answers)
    assert first.headers["x-ratelimit-remaining"] == "0" and "retry-after" not in first.headers
    assert second.headers["retry-after"] == "30"


async def test_a_pull_request_missing_a_required_field_fails_the_check(fake: FakeGitHub) -> None:
    async with httpx.AsyncClient(headers={"Authorization": f"token {TOKEN}"}) as http:
        raw = (await http.get(f"{fake.url}/repos/acme/api/pulls/7")).content
    validate(models.PullRequest, raw)  # as served, it passes
    broken = copy.deepcopy(json.loads(raw))
    del broken["head"]["sha"]
    with pytest.raises(pydantic.ValidationError, match=r"head\.sha\n  Field required"):
        validate(models.PullRequest, json.dumps(broken))
    misspelt = json.loads(raw) | {"mergable": True}
    with pytest.raises(AssertionError, match=r"\$\.mergable"):
        validate(models.PullRequest, json.dumps(misspelt))
