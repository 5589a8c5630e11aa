"""The eight GitHub tools, read and write, driven through PyGithub against the fake GitHub."""

from __future__ import annotations

import pytest

from bot.core.errors import (
    Conflict,
    InvalidArguments,
    NotPossible,
)
from bot.core.jsonvalue import dig, items, obj
from bot.core.tool_registry import ToolRegistry
from tests.fakes.github import FakeGitHub
from tests.github.helpers import sent
from tests.tool_calls import preview, run

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
    first = items(result.data["pull_requests"])[-1]
    assert first == {
        "number": 42,
        "title": "Fix <login> redirect",
        "author": "mona",
        "age_days": 3,
        "checks": "failing",
        "url": "https://github.com/acme/api/pull/42",
        "head_sha": gh.repos["acme/api"].pulls[42].head_sha,
        "draft": False,
        "requested_reviewers": [],
        "requested_teams": [],
        "mergeable": True,
    }
    assert [dig(p, "checks") for p in items(result.data["pull_requests"])][:2] == ["none", "passing"]


async def test_list_pull_requests_shows_drafts_and_who_a_review_waits_on(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 50, "Half done", draft=True, checks="pending")
    gh.add_pr("acme/api", 51, "Ready", checks="passing", reviewers=("ben", "<!channel>"), teams=("platform",))

    result = await run(tools, "list_pull_requests", repo="acme/api")

    assert "#50 Half done (draft) — @octocat, 3d old, checks: ⏳ pending" in result.lines
    assert (
        "#51 Ready — @octocat, 3d old, checks: ✅ passing, review: @ben, @&lt;!channel&gt;, team platform"
        in result.lines
    )
    ready = next(obj(p) for p in items(result.data["pull_requests"]) if dig(p, "number") == 51)
    assert (ready["draft"], ready["requested_reviewers"], ready["requested_teams"]) == (
        False,
        ["ben", "<!channel>"],
        ["platform"],
    )
    # all from one GraphQL query: checks and reviewers included, no call per pull request or per reviewer
    assert [(r.method, r.path) for r in gh.requests] == [("POST", "/graphql")]


async def test_list_pull_requests_says_which_conflict_with_their_base(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 50, "Rename the config keys", mergeable=False, mergeable_state="dirty")
    gh.add_pr("acme/api", 51, "Not computed yet", mergeable=None, mergeable_state="unknown")
    result = await run(tools, "list_pull_requests", repo="acme/api")
    [conflicted, unknown] = sorted(result.lines)
    assert conflicted.endswith(", conflicts with its base branch") and "conflicts" not in unknown
    assert [obj(p).get("mergeable") for p in items(result.data["pull_requests"])] == [None, False]


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

    with pytest.raises(NotPossible, match="has conflicts with its base branch"):  # before any card
        await preview(tools, "merge_pull_request", repo="acme/api", number=8)
    with pytest.raises(Conflict, match="Pull Request is not mergeable"):  # and GitHub refuses it too
        await run(tools, "merge_pull_request", repo="acme/api", number=8)
    assert gh.merges == []


async def test_merge_conflict_409_is_a_conflict(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 9, "Racy")
    gh.fail_next("PUT", r"/pulls/9/merge$", 409)
    with pytest.raises(Conflict, match="Merge conflict"):
        await run(tools, "merge_pull_request", repo="acme/api", number=9)


async def test_dispatch_workflow(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "deploy.yml", optional=("env",))

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
