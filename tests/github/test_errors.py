"""GitHub's errors, rate limits, retries and unknown outcomes, as typed errors with a clear message."""

from __future__ import annotations

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import (
    InvalidArguments,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    UpstreamError,
)
from bot.core.tool_registry import ToolRegistry
from integrations.github import GitHubGateway, github_tools
from tests.fakes.github import FakeGitHub
from tests.github.helpers import TOKEN, sent
from tests.tool_calls import run

# -- errors -------------------------------------------------------------------------------------------


async def test_unknown_repo_suggests_a_close_name(tools: ToolRegistry) -> None:
    with pytest.raises(NotFound) as caught:
        await run(tools, "list_pull_requests", repo="acme/webapp")
    assert caught.value.message == "Repository `acme/webapp` was not found, or the token has no access to it."
    assert caught.value.suggestions[0] == "acme/web-app"


async def test_unknown_pull_request_is_not_found_without_repo_suggestions(tools: ToolRegistry) -> None:
    with pytest.raises(NotFound, match="Pull request #99 in acme/api was not found") as caught:
        await run(tools, "get_pull_request", repo="acme/api", number=99)
    assert caught.value.suggestions == ()


async def test_bad_token_is_permission_denied(gh: FakeGitHub, clock: FakeClock) -> None:
    gw = GitHubGateway("wrong-secret-token", gh.url, clock)
    with pytest.raises(PermissionDenied) as caught:
        await gw.check()
    assert "401 Bad credentials" in str(caught.value)
    assert "wrong-secret-token" not in str(caught.value)
    assert all("authorization" not in {k.lower() for k in r.headers} for r in gh.requests)


async def test_check_names_the_user(gw: GitHubGateway) -> None:
    assert await gw.check() == "GitHub: authenticated as opsbot"


async def test_forbidden_names_the_missing_permission(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.fail_next("POST", r"/issues$", 403, headers={"X-Accepted-GitHub-Permissions": "issues=write"})
    with pytest.raises(PermissionDenied, match="needs the `issues=write` permission"):
        await run(tools, "create_issue", repo="acme/api", title="Hello")


async def test_validation_failure_on_create_issue(tools: ToolRegistry, gh: FakeGitHub) -> None:
    invalid = {
        "message": "Validation Failed",
        "errors": [{"resource": "Issue", "field": "labels", "code": "invalid", "message": "no such label"}],
    }
    gh.fail_next("POST", r"/issues$", 422, body=invalid)
    with pytest.raises(InvalidArguments) as caught:
        await run(tools, "create_issue", repo="acme/api", title="Hello")
    assert caught.value.message == ("GitHub could not create an issue in acme/api: Validation Failed; no such label.")
    assert gh.issues == []


async def test_bad_arguments_are_caught_before_github(tools: ToolRegistry, gh: FakeGitHub) -> None:
    with pytest.raises(InvalidArguments, match="owner/name"):
        tools.validate("list_pull_requests", {"repo": "acme"})
    with pytest.raises(InvalidArguments, match="exactly one of `run_id` or `pr`"):
        tools.validate("rerun_failed_jobs", {"repo": "acme/api", "run_id": 1, "pr": 2})
    with pytest.raises(InvalidArguments, match="`extra` is not an argument"):
        tools.validate("comment", {"repo": "acme/api", "number": 1, "body": "x", "extra": 1})
    assert gh.requests == []


# -- rate limits, retries and unknown outcomes -------------------------------------------------------


async def test_short_rate_limit_waits_on_the_clock_then_succeeds(
    tools: ToolRegistry, gh: FakeGitHub, clock: FakeClock
) -> None:
    gh.rate_limit_next("POST", r"/graphql$", retry_after=5)

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert result.text == "No open pull requests in `acme/api`."
    assert clock.slept == [5.0]
    assert len(sent(gh, "POST", "/graphql")) == 2


async def test_long_rate_limit_is_reported_without_waiting(
    tools: ToolRegistry, gh: FakeGitHub, clock: FakeClock
) -> None:
    gh.rate_limit_next("POST", r"/graphql$", reset_in=1800)

    with pytest.raises(RateLimited) as caught:
        await run(tools, "list_pull_requests", repo="acme/api")

    assert clock.slept == []
    assert caught.value.retry_after == pytest.approx(1801)
    assert "resets at 09:30 UTC" in caught.value.message
    assert len(sent(gh, "POST", "/graphql")) == 1


async def test_ghost_write_is_reconciled(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.fail_next("POST", r"/issues$", 500, apply=True)

    result = await run(tools, "create_issue", repo="acme/api", title="Disk full on db-1")

    assert [i.title for i in gh.issues] == ["Disk full on db-1"]
    assert len(sent(gh, "POST", "/issues")) == 1
    assert result.data["reconciled"] is True
    assert result.link == "https://github.com/acme/api/issues/1"
    lookup = sent(gh, "GET", "/issues")[0].query
    assert (lookup["creator"], lookup["state"]) == ("opsbot", "open")


async def test_lost_write_is_an_unknown_outcome(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.fail_next("POST", r"/issues$", 500)

    with pytest.raises(OutcomeUnknown, match="may or may not have happened"):
        await run(tools, "create_issue", repo="acme/api", title="Disk full on db-1")

    assert gh.issues == []
    assert len(sent(gh, "POST", "/issues")) == 1


async def test_merge_5xx_is_an_unknown_outcome_and_not_retried(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 5, "Ship it")
    gh.fail_next("PUT", r"/merge$", 502)
    with pytest.raises(OutcomeUnknown):
        await run(tools, "merge_pull_request", repo="acme/api", number=5)
    assert len(sent(gh, "PUT", "/merge")) == 1


async def test_read_is_retried_after_a_502(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 1, "One")
    gh.fail_next("POST", r"/graphql$", 502)

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert result.text == "1 open pull request in `acme/api`:"
    assert len(sent(gh, "POST", "/graphql")) == 2


async def test_read_that_keeps_failing_is_an_upstream_error(tools: ToolRegistry, gh: FakeGitHub) -> None:
    outage = "<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>"  # the edge's page
    gh.fail_next("POST", r"/graphql$", 503, body=outage, times=5)
    with pytest.raises(UpstreamError, match=r"GitHub failed \(503\) and could not") as caught:
        await run(tools, "list_pull_requests", repo="acme/api")
    assert "<html>" not in str(caught.value)
    assert len(sent(gh, "POST", "/graphql")) == 3


async def test_unreachable_github_is_an_upstream_error(clock: FakeClock) -> None:
    async with FakeGitHub(token=TOKEN, now=clock.now) as gone:
        url = gone.url
    tools = ToolRegistry(github_tools(GitHubGateway(TOKEN, url, clock)))
    with pytest.raises(UpstreamError, match="Could not reach GitHub"):
        await run(tools, "list_pull_requests", repo="acme/api")
