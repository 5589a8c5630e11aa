"""`pr details` and the merge preflight read a pull request and its checks in one GraphQL query, with the values the
REST reads (the pull request, its commit statuses, its check runs) gave, and their errors."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from github import Auth, Github
from graphql import graphql_sync

from bot.core.errors import NotFound, PermissionDenied
from bot.core.tool_registry import ToolRegistry
from integrations.github import GitHubGateway, pr_detail_query
from integrations.github.github_models import Checks, CheckState, PullDetail
from integrations.github.graphql_queries import PULL_REQUEST
from tests.fakes.github import FakeGitHub
from tests.github.helpers import TOKEN, sent
from tests.github.test_graphql_schema import github_schema
from tests.tool_calls import preview, run

SCOPES = (
    "Your token has not been granted the required scopes to execute this query. The 'statusCheckRollup' field "
    "requires one of the following scopes: ['repo'], but your token has only been granted the: ['read:org'] scopes."
)


async def rest_detail(gw: GitHubGateway, repo: str, number: int) -> PullDetail:
    """What `get_pull_request` gave before: the pull request's REST read, then its head commit's two checks reads."""
    pull = await gw.get_pull_request(repo, number, with_checks=False)
    return replace(pull, checks=await gw.checks(repo, pull.head_sha))


async def test_pr_details_cost_one_graphql_query(tools: ToolRegistry, gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 7, "Add cache", head="cache", mergeable_state="unstable", checks="failing")
    gh.set_status(pull.head_sha, "ci/legacy", "error")

    result = await run(tools, "get_pull_request", repo="acme/api", number=7)

    assert dict(result.fields)["Checks"] == "❌ failing (ci/legacy, test)"
    [asked] = gh.requests
    assert (asked.method, asked.path) == ("POST", "/graphql")
    assert isinstance(asked.json, dict) and asked.json["query"] == PULL_REQUEST
    assert asked.json["variables"] == {"owner": "acme", "name": "api", "number": 7}


async def test_the_merge_preflight_costs_one_query_too(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 9, "Ship it", mergeable_state="blocked", checks="pending")

    shown = await preview(tools, "merge_pull_request", repo="acme/api", number=9)

    assert "Checks are still running." in shown.warnings
    assert [(r.method, r.path) for r in gh.requests] == [("POST", "/graphql")]


def _merged(gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 1, "Merged", mergeable=None, mergeable_state="unknown", checks="passing")
    pull.merged, pull.state, pull.merged_by = True, "closed", "ana"


def _closed(gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 1, "Given up", mergeable_state="clean").state = "closed"


def _conflicted(gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 1, "Conflicts", mergeable=False, mergeable_state="dirty", checks="passing")


def _failing(gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 1, "Red", author="mona", mergeable_state="unstable", checks="failing")
    gh.set_status(pull.head_sha, "ci/jenkins", "failure")
    gh.set_status(pull.head_sha, "ci/legacy", "error")
    gh.set_status(pull.head_sha, "ci/slow", "pending")
    gh.set_status(pull.head_sha, "ci/docs", "success")
    gh.add_check_run(pull.head_sha, "deploy-preview", "queued")
    gh.add_check_run(pull.head_sha, "e2e", conclusion="timed_out")
    gh.add_check_run(pull.head_sha, "optional", conclusion="neutral")


def _status_only(gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 1, "Old CI", mergeable_state="unstable")
    gh.set_status(pull.head_sha, "ci/jenkins", "failure")


def _draft(gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 1, "Half done", draft=True, mergeable_state="draft", checks="pending")
    pull.body = "Fixes #3\r\n\n<b>not yet</b>"


def _no_checks(gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 1, "Docs", head="docs/typo", base="release-1.2", mergeable_state="behind")


CASES = {
    "merged": _merged,
    "closed": _closed,
    "conflicted": _conflicted,
    "failing check runs and statuses": _failing,
    "a failing commit status only": _status_only,
    "draft": _draft,
    "no checks": _no_checks,
}


@pytest.mark.parametrize("case", CASES)
async def test_the_values_are_those_the_rest_reads_gave(case: str, gw: GitHubGateway, gh: FakeGitHub) -> None:
    CASES[case](gh)

    detail = await gw.get_pull_request("acme/api", 1)

    assert detail == await rest_detail(gw, "acme/api", 1)
    assert len(sent(gh, "POST", "/graphql")) == 1


async def test_the_failing_case_in_full(gw: GitHubGateway, gh: FakeGitHub) -> None:
    _failing(gh)
    checks = (await gw.get_pull_request("acme/api", 1)).checks
    assert checks == Checks(
        state=CheckState.FAILING,
        failing=("ci/jenkins", "ci/legacy", "test", "e2e"),  # commit statuses first, as the REST path summed them
        pending=("ci/slow", "deploy-preview"),
        total=9,
    )


async def test_a_missing_pull_request_is_the_same_not_found(gw: GitHubGateway, gh: FakeGitHub) -> None:
    with pytest.raises(NotFound) as by_graphql:
        await gw.get_pull_request("acme/api", 99)
    with pytest.raises(NotFound) as by_rest:
        await gw.get_pull_request("acme/api", 99, with_checks=False)

    assert by_graphql.value.message == by_rest.value.message
    assert by_graphql.value.message == "Pull request #99 in acme/api was not found, or the token has no access to it."
    assert by_graphql.value.suggestions == ()


async def test_a_missing_repository_suggests_a_close_name_as_before(gw: GitHubGateway) -> None:
    with pytest.raises(NotFound) as caught:
        await gw.get_pull_request("acme/webapp", 1)
    assert caught.value.message == "Repository `acme/webapp` was not found, or the token has no access to it."
    assert caught.value.suggestions[0] == "acme/web-app"


async def test_the_fake_answers_a_missing_pull_request_as_github_does(gh: FakeGitHub) -> None:
    body = await _ask(gh, {"owner": "acme", "name": "api", "number": 99})
    assert body["data"]["repository"] == {"pullRequest": None}
    (error,) = body["errors"]
    assert (error["type"], error["path"]) == ("NOT_FOUND", ["repository", "pullRequest"])
    assert error["message"] == "Could not resolve to a PullRequest with the number of 99."


@pytest.mark.parametrize(
    ("kind", "message"),
    [("INSUFFICIENT_SCOPES", SCOPES), ("FORBIDDEN", "Resource not accessible by integration")],
)
async def test_a_refused_query_is_a_permission_error(
    kind: str, message: str, gw: GitHubGateway, gh: FakeGitHub
) -> None:
    gh.add_pr("acme/api", 7, "Ship it")
    gh.fail_next("POST", r"/graphql$", 200, body={"errors": [{"type": kind, "message": message}]})
    with pytest.raises(PermissionDenied) as caught:
        await gw.get_pull_request("acme/api", 7)
    assert caught.value.message.startswith("The GitHub token may not read pull request #7 in acme/api: ")
    assert message.rstrip(".")[:200] in caught.value.message


async def test_the_fakes_answer_is_one_githubs_schema_can_give(gh: FakeGitHub) -> None:
    """Every enum value and non-null field of the fake's answer, read back through GitHub's own schema."""
    _failing(gh)
    variables = {"owner": "acme", "name": "api", "number": 1}
    body = await _ask(gh, variables)
    assert "errors" not in body
    result = graphql_sync(
        github_schema(),
        PULL_REQUEST,
        root_value=body["data"],
        variable_values=variables,
        type_resolver=lambda value, *_: value.get("__typename", "User"),  # the author: the query names no type
    )
    assert result.errors is None
    assert result.data == body["data"]


async def _ask(gh: FakeGitHub, variables: dict[str, object]) -> Any:
    """The fake's whole answer (`data` and `errors`) to the query, as PyGithub's requester receives it."""
    requester = Github(base_url=gh.url, auth=Auth.Token(TOKEN)).requester
    asked = {"query": PULL_REQUEST, "variables": variables}
    _, body = await asyncio.to_thread(requester.requestJsonAndCheck, "POST", requester.graphql_url, input=asked)
    return body


def _node(**changes: object) -> dict[str, object]:
    node: dict[str, object] = {
        "number": 7,
        "title": "Ship it",
        "body": "",
        "url": "https://github.com/acme/api/pull/7",
        "state": "OPEN",
        "merged": False,
        "mergeable": "MERGEABLE",
        "mergeStateStatus": "CLEAN",
        "headRefName": "feature",
        "headRefOid": "a" * 40,
        "baseRefName": "main",
        "author": {"login": "ana"},
        "commits": {"nodes": [{"commit": {"statusCheckRollup": None}}]},
    }
    return {**node, **changes}


@pytest.mark.parametrize(
    ("state", "merged", "rest"), [("OPEN", False, "open"), ("CLOSED", False, "closed"), ("MERGED", True, "closed")]
)
def test_states_are_rests(state: str, merged: bool, rest: str) -> None:
    pull = pr_detail_query.pull_detail(_node(state=state, merged=merged))
    assert (pull.state, pull.merged) == (rest, merged)


@pytest.mark.parametrize(
    ("status", "rest"),
    [
        ("BEHIND", "behind"),
        ("BLOCKED", "blocked"),
        ("CLEAN", "clean"),
        ("DIRTY", "dirty"),
        ("DRAFT", "draft"),
        ("HAS_HOOKS", "has_hooks"),
        ("UNKNOWN", "unknown"),
        ("UNSTABLE", "unstable"),
    ],
)
def test_merge_states_are_rests(status: str, rest: str) -> None:
    assert pr_detail_query.pull_detail(_node(mergeStateStatus=status)).mergeable_state == rest


@pytest.mark.parametrize(("mergeable", "rest"), [("MERGEABLE", True), ("CONFLICTING", False), ("UNKNOWN", None)])
def test_mergeable_is_rests(mergeable: str, rest: bool | None) -> None:
    assert pr_detail_query.pull_detail(_node(mergeable=mergeable)).mergeable is rest


def test_contexts_read_as_rests_statuses_and_check_runs() -> None:
    contexts = [
        {"__typename": "CheckRun", "name": "build", "status": "COMPLETED", "conclusion": "SUCCESS"},
        {"__typename": "StatusContext", "context": "ci/required", "state": "EXPECTED"},
        {"__typename": "CheckRun", "name": "lint", "status": "COMPLETED", "conclusion": "STARTUP_FAILURE"},
        {"__typename": "CheckRun", "name": "e2e", "status": "WAITING", "conclusion": None},
        None,  # a context the token may not see
        {"__typename": "CheckRun", "name": "docs", "status": "COMPLETED", "conclusion": "SKIPPED"},
        {"__typename": "StatusContext", "context": "ci/jenkins", "state": "ERROR"},
        {"__typename": "CheckRun", "name": "old", "status": "COMPLETED", "conclusion": "ACTION_REQUIRED"},
    ]
    rollup = {"state": "FAILURE", "contexts": {"nodes": contexts}}
    pull = pr_detail_query.pull_detail(
        _node(author=None, commits={"nodes": [{"commit": {"statusCheckRollup": rollup}}]})
    )
    assert pull.author == "ghost"
    assert pull.checks == Checks(
        state=CheckState.FAILING, failing=("ci/jenkins", "lint", "old"), pending=("ci/required", "e2e"), total=7
    )
