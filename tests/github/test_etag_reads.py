"""Runs, issues and workflow files are conditional reads too: a repeat of an unchanged answer is a free 304, and gives
the same value; a list is a conditional GET per page, with PyGithub's page size and filters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.core.metrics import REGISTRY
from integrations.github import GitHubGateway
from tests.fakes.github import FakeGitHub
from tests.github.helpers import sent

HEAD = "c" * 40
Read = Callable[[GitHubGateway], Awaitable[object]]


def seed(gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 7, "Ship it", head_sha=HEAD)
    gh.add_run("acme/api", 41, branch="feature", head_sha=HEAD)
    gh.add_run("acme/api", 42, branch="main", age=timedelta(hours=1))
    gh.add_run("acme/api", 43, branch="main", conclusion="success")
    gh.add_issue("acme/api", 3, "Disk full", labels=("bug",), assignees=("ana",))
    gh.add_issue("acme/api", 4, "Slow export")
    gh.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))


READS: dict[str, tuple[Read, list[str]]] = {
    "list_failed_runs": (
        lambda gw: gw.list_failed_runs("acme/api", branch="main", limit=10),
        ["/repos/acme/api/actions/runs"],
    ),
    "get_run": (lambda gw: gw.get_run("acme/api", 41), ["/repos/acme/api/actions/runs/41"]),
    "latest_failed_run_for_pull": (
        lambda gw: gw.latest_failed_run_for_pull("acme/api", 7),
        ["/repos/acme/api/pulls/7", "/repos/acme/api/actions/runs"],
    ),
    "list_issues": (
        lambda gw: gw.list_issues("acme/api", state="open", label="bug", assignee="ana", limit=20),
        ["/repos/acme/api/issues"],
    ),
    "get_issue": (lambda gw: gw.get_issue("acme/api", 3), ["/repos/acme/api/issues/3"]),
    "workflow_file": (
        lambda gw: gw.workflow_file("acme/api", "deploy.yml", "main"),
        ["/repos/acme/api/actions/workflows/deploy.yml", "/repos/acme/api/contents/.github/workflows/deploy.yml"],
    ),
}


def not_modified() -> float:
    return REGISTRY.get_sample_value("opsbot_github_not_modified_total") or 0


@pytest.mark.parametrize("read", READS)
async def test_a_repeated_read_is_a_free_304_with_the_same_value(read: str, gw: GitHubGateway, gh: FakeGitHub) -> None:
    seed(gh)
    call, paths = READS[read]
    first = await call(gw)
    assert [r.path for r in gh.requests] == paths
    asked, spent, seen = len(gh.requests), gh.remaining_requests, not_modified()

    again = await call(gw)

    assert again == first
    repeated = gh.requests[asked:]
    assert [(r.method, r.path) for r in repeated] == [("GET", path) for path in paths]
    assert all(r.headers.get("If-None-Match", "").startswith('W/"') for r in repeated)
    assert gh.remaining_requests == spent  # every one answered 304: none counted against the rate limit
    assert not_modified() == seen + len(paths)


async def test_the_values_are_read_from_githubs_json(gw: GitHubGateway, gh: FakeGitHub) -> None:
    seed(gh)
    runs = await gw.list_failed_runs("acme/api", branch=None, limit=10)
    assert [(r.id, r.branch, r.conclusion) for r in runs] == [(42, "main", "failure"), (41, "feature", "failure")]
    assert runs[0].created_at == gh.repos["acme/api"].runs[42].created_at.replace(microsecond=0)
    assert runs[0].url == "https://github.com/acme/api/actions/runs/42"
    assert (await gw.latest_failed_run_for_pull("acme/api", 7)).id == 41
    assert sent(gh, "GET", "/actions/runs")[-1].query == {"status": "failure", "head_sha": HEAD, "per_page": "100"}

    found = await gw.list_issues("acme/api", state="open", label="bug", assignee="ana", limit=20)
    [issue] = found.issues
    assert (issue.number, issue.author, issue.labels, issue.assignees, found.more) == (
        3,
        "ana",
        ("bug",),
        ("ana",),
        False,
    )
    assert sent(gh, "GET", "/issues")[-1].query == {
        "state": "open",
        "labels": "bug",
        "assignee": "ana",
        "per_page": "100",
    }

    pull = await gw.get_issue("acme/api", 7)
    assert (pull.kind, pull.state, pull.state_reason) == ("Pull request", "open", None)

    flow = await gw.workflow_file("acme/api", "deploy.yml", "main")
    assert (flow.name, flow.path, flow.state, flow.at_ref) == ("Deploy", ".github/workflows/deploy.yml", "active", True)
    assert flow.source is not None and "workflow_dispatch:" in flow.source and "environment:" in flow.source
    absent = await gw.workflow_file("acme/api", "deploy.yml", "no-such-branch")
    assert (absent.source, absent.at_ref) == (None, False)


async def test_each_page_of_a_list_is_its_own_conditional_read(gw: GitHubGateway, gh: FakeGitHub) -> None:
    for number in range(1, 4):
        gh.add_issue("acme/api", number, f"Issue {number}", age=timedelta(days=10 + number))
    for number in range(10, 130):  # newer than every issue: the first page holds pull requests only
        gh.add_pr("acme/api", number, f"PR {number}", age=timedelta(hours=1))
    first = await gw.list_issues("acme/api", state="open", label=None, assignee=None, limit=2)
    spent, seen = gh.remaining_requests, not_modified()

    again = await gw.list_issues("acme/api", state="open", label=None, assignee=None, limit=2)

    assert again == first and [i.number for i in again.issues] == [1, 2] and again.more
    pages = [r.query.get("page", "1") for r in sent(gh, "GET", "/issues")]
    assert pages == ["1", "2", "1", "2"]
    assert (gh.remaining_requests, not_modified()) == (spent, seen + 2)


async def test_a_closed_issue_is_read_again_after_the_close(gw: GitHubGateway, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 3, "Disk full")
    assert (await gw.get_issue("acme/api", 3)).state == "open"

    closed = await gw.close_issue("acme/api", 3, reason="not_planned", comment=None)

    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    assert sent(gh, "PATCH", "/issues/3")[0].json == {"state": "closed", "state_reason": "not_planned"}
    assert await gw.get_issue("acme/api", 3) == closed  # a changed answer: a 200, not the cached open issue
