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
from collections.abc import AsyncIterator

import httpx
import pydantic
import pytest
from github.Requester import Requester
from githubkit.exception import GitHubException
from githubkit.utils import UNSET

from bot.sandbox.fakes.github.deploy_history import add_deployment, add_history
from tests.fakes.github import ROUTES, FakeGitHub, FakeIssue
from tests.github.app_fixtures import APP_ID, app_jwt, private_key, public_key
from tests.schemas.github_models import API_VERSION, models, validate
from tests.schemas.github_rest_cases import ALL, HISTORY, JWT, SHA, TOKEN, Capturing, Case


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
