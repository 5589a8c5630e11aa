"""`list prs` as one GraphQL query: what it costs in calls, how GitHub's GraphQL errors map, and which URL it asks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from github import Auth, Github
from prometheus_client import generate_latest

from bot.core.errors import NotFound, PermissionDenied
from bot.core.metrics import REGISTRY
from bot.core.tool_registry import ToolRegistry
from integrations.github import GitHubGateway, pr_query
from integrations.github.github_models import CheckState
from integrations.github.graphql_queries import PULL_REQUESTS
from tests.fakes.github import FakeGitHub
from tests.github.helpers import TOKEN, sent
from tests.tool_calls import run

FORBIDDEN = {
    "data": {"repository": None},
    "errors": [
        {
            "type": "FORBIDDEN",
            "path": ["repository"],
            "extensions": {"saml_failure": False},
            "locations": [{"line": 4, "column": 3}],
            "message": "Resource not accessible by integration",
        }
    ],
}


async def test_thirty_open_pull_requests_cost_one_call(tools: ToolRegistry, gh: FakeGitHub) -> None:
    for number in range(1, 31):
        gh.add_pr("acme/api", number, f"Change {number}", checks=("passing", "failing", "pending")[number % 3])

    result = await run(tools, "list_pull_requests", repo="acme/api", limit=50)

    assert result.text == "30 open pull requests in `acme/api`:"
    assert len(gh.requests) <= 2
    assert [(r.method, r.path) for r in gh.requests] == [("POST", "/graphql")]
    assert "#30 Change 30 — @octocat, 3d old, checks: ✅ passing" in result.lines  # newest first, checks on all
    assert "#1 Change 1 — @octocat, 3d old, checks: ❌ failing" in result.lines


async def test_more_than_a_page_follows_the_cursor(gw: GitHubGateway, gh: FakeGitHub) -> None:
    for number in range(1, 131):
        gh.add_pr("acme/api", number, f"Change {number}")

    found = await gw.list_pull_requests("acme/api", state="open", limit=120)

    assert [p.number for p in found] == list(range(130, 10, -1))
    pages = [r.json["variables"] for r in sent(gh, "POST", "/graphql")]
    assert [(v["first"], v["after"] is None) for v in pages] == [(100, True), (20, False)]


async def test_closed_means_closed_or_merged(gw: GitHubGateway, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 1, "Open")
    gh.add_pr("acme/api", 2, "Merged").merged = True
    gh.add_pr("acme/api", 3, "Closed").state = "closed"

    closed = await gw.list_pull_requests("acme/api", state="closed", limit=10)

    assert [p.number for p in closed] == [3, 2]
    assert [p.number for p in await gw.list_pull_requests("acme/api", state="all", limit=10)] == [3, 2, 1]


async def test_an_unknown_repository_is_githubs_not_found(tools: ToolRegistry, gh: FakeGitHub) -> None:
    with pytest.raises(NotFound) as caught:
        await run(tools, "list_pull_requests", repo="acme/nope")
    assert caught.value.message == "Repository `acme/nope` was not found, or the token has no access to it."
    answer = sent(gh, "POST", "/graphql")
    assert len(answer) == 1  # then GET /repos/acme/nope and /user/repos, for the did-you-mean


async def test_the_fake_answers_an_unknown_repository_as_github_does(gh: FakeGitHub) -> None:
    requester = Github(base_url=gh.url, auth=Auth.Token(TOKEN)).requester
    variables = {"owner": "acme", "name": "nope", "first": 5}
    _, body = await asyncio.to_thread(
        requester.requestJsonAndCheck,
        "POST",
        requester.graphql_url,
        input={"query": PULL_REQUESTS, "variables": variables},
    )
    assert body["data"]["repository"] is None
    (error,) = body["errors"]
    assert (error["type"], error["path"]) == ("NOT_FOUND", ["repository"])
    assert error["message"] == "Could not resolve to a Repository with the name 'acme/nope'."


async def test_forbidden_is_a_permission_error(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.fail_next("POST", r"/graphql$", 200, body=FORBIDDEN)
    with pytest.raises(PermissionDenied, match="Resource not accessible by integration"):
        await run(tools, "list_pull_requests", repo="acme/api")


async def test_the_budget_is_on_metrics(tools: ToolRegistry, gh: FakeGitHub) -> None:
    await run(tools, "list_pull_requests", repo="acme/api")
    text = generate_latest(REGISTRY).decode()
    assert f'opsbot_github_rate_limit_remaining{{resource="graphql"}} {float(gh.remaining_requests)}' in text
    assert 'opsbot_github_rate_limit_limit{resource="graphql"} 5000.0' in text


@pytest.mark.parametrize(
    ("base", "graphql"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://github.example.com/api/v3", "https://github.example.com/api/graphql"),
        ("https://github.example.com/api/v3/", "https://github.example.com/api/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
    ],
)
def test_the_graphql_url_of_a_base_url(base: str, graphql: str) -> None:
    # PyGithub's own rule, which the query uses: GitHub.com's {base}/graphql, GHES' {host}/api/graphql
    assert Github(base_url=base.rstrip("/")).requester.graphql_url == graphql


def _node(**changes: object) -> dict[str, object]:
    node: dict[str, object] = {
        "number": 7,
        "title": "Ship it",
        "url": "https://github.com/acme/api/pull/7",
        "createdAt": "2026-12-01T10:00:00Z",
        "isDraft": False,
        "headRefOid": "a" * 40,
        "mergeable": "MERGEABLE",
        "reviewDecision": None,
        "author": {"login": "ana"},
        "reviewRequests": {"nodes": []},
        "commits": {"nodes": [{"commit": {"statusCheckRollup": None}}]},
    }
    return {**node, **changes}


@pytest.mark.parametrize(
    ("rollup", "state"),
    [
        (None, CheckState.NONE),
        ({"state": "SUCCESS"}, CheckState.PASSING),
        ({"state": "FAILURE"}, CheckState.FAILING),
        ({"state": "ERROR"}, CheckState.FAILING),
        ({"state": "PENDING"}, CheckState.PENDING),
        ({"state": "EXPECTED"}, CheckState.PENDING),
    ],
)
def test_the_rollup_is_the_lists_checks_state(rollup: object, state: CheckState) -> None:
    node = _node(commits={"nodes": [{"commit": {"statusCheckRollup": rollup}}]})
    assert pr_query.pull_summary(node).checks.state is state


def test_a_deleted_author_is_ghost_and_bots_are_reviewers_too() -> None:
    requests = [
        {"requestedReviewer": {"__typename": "Bot", "login": "renovate"}},
        {"requestedReviewer": {"__typename": "Team", "slug": "platform"}},
        {"requestedReviewer": None},  # a reviewer the token may not see
    ]
    pull = pr_query.pull_summary(_node(author=None, reviewRequests={"nodes": requests}))
    assert (pull.author, pull.requested_reviewers, pull.requested_teams) == ("ghost", ("renovate",), ("platform",))
    assert pull.created_at == datetime(2026, 12, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "status"), [("NOT_FOUND", 404), ("FORBIDDEN", 403), ("RATE_LIMITED", 403), ("SOMETHING_NEW", 400)]
)
def test_graphql_error_types_stand_for_rest_statuses(kind: str, status: int) -> None:
    error = pr_query.query_error([{"type": kind, "message": "Nope"}], {"x-ratelimit-remaining": "0"})
    assert (error.status, error.data["message"], error.headers) == (status, "Nope", {"x-ratelimit-remaining": "0"})
