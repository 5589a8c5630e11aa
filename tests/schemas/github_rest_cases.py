"""The requests tests/schemas/test_github_rest.py sends the fake GitHub through githubkit: one case per route and
answer (name, the route that must answer, the status), the fault bodies, the App's routes and the deployment history;
and the githubkit client that captures the model githubkit checks each answer against."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
from githubkit import GitHub, TokenAuthStrategy
from githubkit.utils import UNSET
from githubkit_schemas.v2022_11_28.rest import RestNamespace

from bot.sandbox.fakes.github.github_state import _sha
from tests.fakes.github import FakeGitHub
from tests.schemas.github_models import models

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
