"""GitHub tools driven through the real PyGithub client against the loopback fake GitHub API."""

from __future__ import annotations

import ast
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.errors import (
    Conflict,
    InvalidArguments,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    UpstreamError,
)
from bot.planner.base import PlanContext
from bot.planner.grammar import GrammarPlanner
from integrations.github import GitHubGateway, github_tools
from integrations.registry import Preview, Risk, ToolRegistry, ToolResult
from tests.fakes.github import REPLAY_DIR, FakeGitHub, parse_replay

TOKEN = "test-token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def gh(clock: FakeClock) -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN, now=clock.now) as fake:
        fake.add_repo("acme/api")
        fake.add_repo("acme/web-app")
        yield fake


@pytest.fixture
def gw(gh: FakeGitHub, clock: FakeClock) -> GitHubGateway:
    return GitHubGateway(TOKEN, gh.url, clock)


@pytest.fixture
def tools(gw: GitHubGateway) -> ToolRegistry:
    return ToolRegistry(github_tools(gw))


async def run(tools: ToolRegistry, name: str, **args: Any) -> ToolResult:
    result: ToolResult = await tools.get(name).run(tools.validate(name, args))
    return result


async def preview(tools: ToolRegistry, name: str, **args: Any) -> Preview:
    tool = tools.get(name)
    assert tool.preview is not None
    shown: Preview = await tool.preview(tools.validate(name, args))
    return shown


def sent(gh: FakeGitHub, method: str, path_end: str) -> list[Any]:
    return [r for r in gh.requests if r.method == method and r.path.endswith(path_end)]


# -- reads --------------------------------------------------------------------------------------------


async def test_list_pull_requests_shows_author_age_and_checks(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 42, "Fix <login> redirect", author="mona", checks="failing")
    gh.add_pr("acme/api", 43, "Bump deps", checks="passing")
    gh.add_pr("acme/api", 44, "WIP", checks="pending")
    legacy = gh.add_pr("acme/api", 45, "Docs")
    gh.set_status(legacy.head_sha, "ci/jenkins", "success")
    gh.add_pr("acme/api", 46, "No CI")

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert result.text == "5 open pull requests in `acme/api`:"
    assert "#42 Fix &lt;login&gt; redirect — @mona, 3d old, checks: ❌ failing" in result.lines
    assert {line.rsplit("checks: ", 1)[1] for line in result.lines} == {
        "❌ failing",
        "✅ passing",
        "⏳ pending",
        "—",
    }
    first = result.data["pull_requests"][-1]
    assert first == {
        "number": 42,
        "title": "Fix <login> redirect",
        "author": "mona",
        "age_days": 3,
        "checks": "failing",
        "url": "https://github.com/acme/api/pull/42",
        "draft": False,
        "requested_reviewers": [],
        "requested_teams": [],
    }
    assert [p["checks"] for p in result.data["pull_requests"]][:2] == ["none", "passing"]


async def test_list_pull_requests_shows_drafts_and_who_a_review_waits_on(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 50, "Half done", draft=True, checks="pending")
    gh.add_pr("acme/api", 51, "Ready", checks="passing", reviewers=("ben", "<!channel>"), teams=("platform",))

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert "#50 Half done (draft) — @octocat, 3d old, checks: ⏳ pending" in result.lines
    assert (
        "#51 Ready — @octocat, 3d old, checks: ✅ passing, review: @ben, @&lt;!channel&gt;, team platform"
        in result.lines
    )
    ready = next(p for p in result.data["pull_requests"] if p["number"] == 51)
    assert (ready["draft"], ready["requested_reviewers"], ready["requested_teams"]) == (
        False,
        ["ben", "<!channel>"],
        ["platform"],
    )
    # all from the list answer: one list call, then two check calls per pull request, nothing per reviewer
    assert len([r for r in gh.requests if r.method == "GET"]) == 1 + 2 * 2


async def test_list_pull_requests_when_there_are_none(tools: ToolRegistry) -> None:
    result = await run(tools, "list_pull_requests", repo="acme/api", state="closed")
    assert result.text == "No closed pull requests in `acme/api`."


async def test_get_pull_request_names_failing_checks(tools: ToolRegistry, gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 7, "Add cache", head="cache", mergeable_state="unstable", checks="failing")
    gh.set_status(pull.head_sha, "ci/legacy", "error")

    result = await run(tools, "get_pull_request", repo="acme/api", number=7)

    fields = dict(result.fields)
    assert result.text == "*#7 Add cache*"
    assert fields["Branches"] == "`cache` → `main`"
    assert fields["Mergeable"] == "yes (unstable)"
    assert fields["Checks"] == "❌ failing (ci/legacy, test)"
    assert result.data["failing_checks"] == ["ci/legacy", "test"]
    assert result.link == "https://github.com/acme/api/pull/7"


async def test_failed_runs_on_one_branch(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_run("acme/api", 1, name="CI", branch="main", head_sha="a" * 40)
    gh.add_run("acme/api", 2, name="CI", branch="dev")
    gh.add_run("acme/api", 3, name="Deploy", branch="main", conclusion="success")

    result = await run(tools, "list_failed_workflow_runs", repo="acme/api", branch="main")

    assert result.text == "1 failed workflow run in `acme/api` on `main`:"
    assert result.lines == ("CI on `main` at `aaaaaaa`, 2h ago — https://github.com/acme/api/actions/runs/1",)
    assert sent(gh, "GET", "/actions/runs")[0].query["branch"] == "main"


# -- writes -------------------------------------------------------------------------------------------


async def test_create_issue_previews_then_creates(tools: ToolRegistry, gh: FakeGitHub) -> None:
    shown = await preview(tools, "create_issue", repo="acme/api", title="Deploy is flaky", body="See <run 3>")
    assert shown.fields == (("Repository", "acme/api"), ("Title", "Deploy is flaky"))
    assert shown.body == "See &lt;run 3&gt;"

    result = await run(tools, "create_issue", repo="acme/api", title="Deploy is flaky", body="See <run 3>")

    assert result.text == "Created #1 in `acme/api`: Deploy is flaky"
    assert result.link == "https://github.com/acme/api/issues/1"
    assert [(i.title, i.body) for i in gh.issues] == [("Deploy is flaky", "See <run 3>")]
    assert sent(gh, "POST", "/issues")[0].json == {"title": "Deploy is flaky", "body": "See <run 3>"}


async def test_comment(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 42, "Fix")
    assert (await preview(tools, "comment", repo="acme/api", number=42, body="LGTM")).body == "LGTM"

    result = await run(tools, "comment", repo="acme/api", number=42, body="LGTM")

    assert result.text == "Commented on #42 in `acme/api`."
    assert result.link is not None and result.link.startswith("https://github.com/acme/api/issues/42#issuecomment-")
    assert [(c["number"], c["body"]) for c in gh.comments] == [(42, "LGTM")]


async def test_rerun_by_run_id(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_run("acme/api", 555, name="CI")

    result = await run(tools, "rerun_failed_jobs", repo="acme/api", run_id=555)

    assert result.text == "Re-running the failed jobs of *CI* (run 555) in `acme/api`."
    assert gh.reruns == [{"repo": "acme/api", "run_id": 555}]


async def test_rerun_by_pr_uses_latest_failed_run_of_head(tools: ToolRegistry, gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 42, "Fix", checks="failing")
    gh.add_run("acme/api", 10, head_sha="b" * 40)
    gh.add_run("acme/api", 11, head_sha=pull.head_sha)

    shown = await preview(tools, "rerun_failed_jobs", repo="acme/api", pr=42)
    await run(tools, "rerun_failed_jobs", repo="acme/api", pr=42)

    assert ("Run", "11") in shown.fields
    assert gh.reruns == [{"repo": "acme/api", "run_id": 11}]
    assert sent(gh, "GET", "/actions/runs")[0].query["head_sha"] == pull.head_sha


async def test_rerun_of_a_run_that_did_not_fail_is_a_conflict(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_run("acme/api", 9, conclusion="success")
    with pytest.raises(Conflict, match="nothing to re-run"):
        await run(tools, "rerun_failed_jobs", repo="acme/api", run_id=9)
    assert gh.reruns == []


async def test_merge_preview_warns_then_merges(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 7, "Risky", head="risky", mergeable_state="unstable", checks="failing")

    shown = await preview(tools, "merge_pull_request", repo="acme/api", number=7, method="squash")
    result = await run(tools, "merge_pull_request", repo="acme/api", number=7, method="squash")

    assert shown.title == "Merge #7 Risky"
    assert ("Branches", "`risky` → `main`") in shown.fields
    assert shown.warnings == ("Failing checks: test.",)
    assert result.text.startswith("Merged #7 in `acme/api` (squash), commit `")
    assert [(m["number"], m["merge_method"]) for m in gh.merges] == [(7, "squash")]
    assert not tools.get("merge_pull_request").idempotent


async def test_merge_of_unmergeable_pr_is_a_conflict(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 8, "Conflicted", mergeable=False, mergeable_state="dirty")

    shown = await preview(tools, "merge_pull_request", repo="acme/api", number=8)
    with pytest.raises(Conflict, match="Pull Request is not mergeable"):
        await run(tools, "merge_pull_request", repo="acme/api", number=8)

    assert any("not mergeable" in w for w in shown.warnings)
    assert gh.merges == []


async def test_merge_conflict_409_is_a_conflict(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 9, "Racy")
    gh.fail_next("PUT", r"/pulls/9/merge$", 409)
    with pytest.raises(Conflict, match="Merge conflict"):
        await run(tools, "merge_pull_request", repo="acme/api", number=9)


async def test_dispatch_workflow(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "deploy.yml")

    result = await run(tools, "dispatch_workflow", repo="acme/api", workflow="deploy.yml", inputs={"env": "staging"})

    assert result.text == "Started workflow `deploy.yml` on `main` in `acme/api`."
    assert gh.dispatches == [
        {"repo": "acme/api", "workflow": "deploy.yml", "ref": "main", "inputs": {"env": "staging"}}
    ]


async def test_dispatch_without_trigger_is_invalid(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "check.yml", dispatchable=False)
    with pytest.raises(InvalidArguments, match="Workflow does not have 'workflow_dispatch' trigger"):
        await run(tools, "dispatch_workflow", repo="acme/api", workflow="check.yml")
    assert gh.dispatches == []


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
    gh.rate_limit_next("GET", r"/pulls$", retry_after=5)

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert result.text == "No open pull requests in `acme/api`."
    assert clock.slept == [5.0]
    assert len(sent(gh, "GET", "/pulls")) == 2


async def test_long_rate_limit_is_reported_without_waiting(
    tools: ToolRegistry, gh: FakeGitHub, clock: FakeClock
) -> None:
    gh.rate_limit_next("GET", r"/pulls$", reset_in=1800)

    with pytest.raises(RateLimited) as caught:
        await run(tools, "list_pull_requests", repo="acme/api")

    assert clock.slept == []
    assert caught.value.retry_after == pytest.approx(1801)
    assert "resets at 09:30 UTC" in caught.value.message
    assert len(sent(gh, "GET", "/pulls")) == 1


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
    gh.fail_next("GET", r"/pulls$", 502)

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert result.text == "1 open pull request in `acme/api`:"
    assert len(sent(gh, "GET", "/pulls")) == 2


async def test_read_that_keeps_failing_is_an_upstream_error(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.fail_next("GET", r"/pulls$", 503, times=5)
    with pytest.raises(UpstreamError, match=r"GitHub failed \(503\) and could not") as caught:
        await run(tools, "list_pull_requests", repo="acme/api")
    assert "<html>" not in str(caught.value)
    assert len(sent(gh, "GET", "/pulls")) == 3


async def test_unreachable_github_is_an_upstream_error(clock: FakeClock) -> None:
    async with FakeGitHub(token=TOKEN, now=clock.now) as gone:
        url = gone.url
    tools = ToolRegistry(github_tools(GitHubGateway(TOKEN, url, clock)))
    with pytest.raises(UpstreamError, match="Could not reach GitHub"):
        await run(tools, "list_pull_requests", repo="acme/api")


# -- specs and fixtures --------------------------------------------------------------------------------


def test_every_example_is_understood_by_the_grammar_planner(tools: ToolRegistry) -> None:
    context = PlanContext(tool_names=tuple(tools.names()))
    for tool in tools:
        plan = GrammarPlanner().plan(tool.example, context)
        assert [c.tool for c in plan.calls] == [tool.name], tool.example
        tools.validate(tool.name, plan.calls[0].args)


def test_schemas_come_from_the_models(tools: ToolRegistry) -> None:
    schemas = {s["name"]: s["parameters"] for s in tools.json_schemas()}
    assert set(schemas) == {
        "list_pull_requests",
        "get_pull_request",
        "list_failed_workflow_runs",
        "create_issue",
        "comment",
        "rerun_failed_jobs",
        "merge_pull_request",
        "dispatch_workflow",
    }
    assert all(s["additionalProperties"] is False for s in schemas.values())
    risks = {t.name: t.risk for t in tools}
    assert risks["get_pull_request"] is Risk.READ
    assert (risks["create_issue"], risks["comment"], risks["rerun_failed_jobs"]) == (Risk.WRITE,) * 3
    assert (risks["merge_pull_request"], risks["dispatch_workflow"]) == (Risk.DANGEROUS,) * 2
    assert "owner/name" in schemas["comment"]["properties"]["repo"]["description"]


def test_every_replay_file_parses() -> None:
    files = sorted(REPLAY_DIR.glob("*.txt"))
    assert len(files) >= 21
    for path in files:
        exchanges = parse_replay(path)
        assert exchanges, path.name
        for ex in exchanges:
            assert ex.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
            assert ex.path.startswith("/")
            assert 100 <= ex.status < 600
            assert all(isinstance(k, str) for k, _ in ex.headers)
            if ex.body.startswith(("{", "[")):
                json.loads(ex.body)
            if ex.request_body is not None:
                json.loads(ex.request_body)


def test_replay_layout_details() -> None:
    retries = parse_replay(REPLAY_DIR / "Retry.testRaisesRetryErrorAfterMaxRetries.txt")
    assert [e.status for e in retries] == [502, 502, 502, 502]
    dispatch = parse_replay(REPLAY_DIR / "Workflow.testCreateDispatchWithBranch.txt")
    assert (dispatch[-1].method, dispatch[-1].status, dispatch[-1].body) == ("POST", 204, "")
    assert json.loads(dispatch[-1].request_body or "")["ref"] == "workflow_dispatch_branch"
    merge = parse_replay(REPLAY_DIR / "PullRequest.testMerge.txt")
    assert merge[0].request_headers == ast.literal_eval(
        "{'Authorization': 'token private_token_removed', 'User-Agent': 'PyGithub/Python'}"
    )
