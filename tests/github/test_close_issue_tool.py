"""close_issue through PyGithub against the fake GitHub: the preview, the comment first, and what can go wrong."""

from __future__ import annotations

import pytest

from bot.core.errors import Conflict, InvalidArguments, NotFound, OutcomeUnknown, PermissionDenied
from bot.core.tool_registry import ToolRegistry
from tests.fakes.github import FakeGitHub
from tests.github.helpers import sent
from tests.tool_calls import preview, run


async def test_the_preview_reads_the_issue_then_it_is_closed_once(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 3, "Login is <broken>")

    shown = await preview(tools, "close_issue", repo="acme/api", number=3, reason="not_planned")
    assert gh.repos["acme/api"].issues[3].state == "open"  # a preview changes nothing
    result = await run(tools, "close_issue", repo="acme/api", number=3, reason="not_planned")

    assert shown.title == "Close #3 Login is <broken>"
    assert shown.fields == (
        ("Repository", "acme/api"),
        ("Issue", "#3 Login is &lt;broken&gt;"),
        ("State", "open → closed"),
        ("Reason", "not planned"),
        ("Comment", "none"),
    )
    assert (shown.body, shown.warnings) == (None, ())
    assert result.text == "Closed #3 in `acme/api` as not planned: Login is &lt;broken&gt;"
    assert result.link == "https://github.com/acme/api/issues/3"
    assert result.data["state"] == "closed" and result.data["state_reason"] == "not_planned"
    issue = gh.repos["acme/api"].issues[3]
    assert (issue.state, issue.state_reason, issue.closed_by) == ("closed", "not_planned", "opsbot")
    assert [r.json for r in sent(gh, "PATCH", "/issues/3")] == [{"state": "closed", "state_reason": "not_planned"}]
    assert sent(gh, "POST", "/comments") == []


async def test_the_comment_is_posted_before_closing(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 3, "Disk full")

    shown = await preview(tools, "close_issue", repo="acme/api", number=3, comment="Fixed by <#4>")
    result = await run(tools, "close_issue", repo="acme/api", number=3, comment="Fixed by <#4>")

    assert ("Comment", "posted first (below)") in shown.fields and ("Reason", "completed") in shown.fields
    assert shown.body == "Fixed by &lt;#4&gt;"
    assert result.text == "Closed #3 in `acme/api` as completed after commenting: Disk full"
    assert [(c["number"], c["body"]) for c in gh.comments] == [(3, "Fixed by <#4>")]
    writes = [(r.method, r.path.rsplit("/", 1)[-1]) for r in gh.requests if r.method != "GET"]
    assert writes == [("POST", "comments"), ("PATCH", "3")]
    assert gh.repos["acme/api"].issues[3].state_reason == "completed"


async def test_an_issue_already_closed_is_said_in_the_preview_and_nothing_is_sent(
    tools: ToolRegistry, gh: FakeGitHub
) -> None:
    issue = gh.add_issue("acme/api", 3, "Old alert")
    issue.state, issue.state_reason = "closed", "not_planned"

    shown = await preview(tools, "close_issue", repo="acme/api", number=3, comment="Again")
    with pytest.raises(Conflict) as caught:
        await run(tools, "close_issue", repo="acme/api", number=3, comment="Again")

    assert ("State", "already closed (not planned)") in shown.fields
    assert shown.warnings == ("This is already closed (not planned): closing will fail, and nothing is posted.",)
    assert caught.value.message == "Issue #3 in acme/api is already closed (not planned); nothing to close."
    assert [r.method for r in gh.requests if r.method != "GET"] == []
    assert gh.comments == []


async def test_closing_a_pull_request_does_not_merge_it(tools: ToolRegistry, gh: FakeGitHub) -> None:
    pull = gh.add_pr("acme/api", 7, "Try a cache")

    shown = await preview(tools, "close_issue", repo="acme/api", number=7)
    result = await run(tools, "close_issue", repo="acme/api", number=7)

    assert ("Pull request", "#7 Try a cache") in shown.fields
    assert shown.warnings == ("This is a pull request: closing it does not merge it.",)
    assert result.link == "https://github.com/acme/api/pull/7"
    assert (pull.state, pull.merged, gh.merges) == ("closed", False, [])


async def test_an_unknown_repository_gets_a_did_you_mean(tools: ToolRegistry, gh: FakeGitHub) -> None:
    with pytest.raises(NotFound) as caught:
        await preview(tools, "close_issue", repo="acme/webapp", number=3)
    assert caught.value.message == "Repository `acme/webapp` was not found, or the token has no access to it."
    assert caught.value.suggestions[0] == "acme/web-app"
    with pytest.raises(NotFound, match=r"^Issue #99 in acme/api was not found") as unknown:
        await run(tools, "close_issue", repo="acme/api", number=99)
    assert unknown.value.suggestions == ()
    assert sent(gh, "PATCH", "/issues/99") == []


async def test_github_refusals_are_typed_errors(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 3, "Disk full")
    gh.fail_next("PATCH", r"/issues/3$", 403, headers={"X-Accepted-GitHub-Permissions": "issues=write"})
    with pytest.raises(PermissionDenied, match="may not close issue #3 in acme/api: it needs the `issues=write`"):
        await run(tools, "close_issue", repo="acme/api", number=3)
    gh.fail_next("GET", r"/issues/3$", 410)
    with pytest.raises(NotFound) as gone:
        await run(tools, "close_issue", repo="acme/api", number=3)
    assert gone.value.message == "GitHub could not read issue #3 in acme/api: Issues are disabled for this repo."
    invalid = {"message": "Validation Failed", "errors": [{"resource": "Issue", "field": "state", "code": "invalid"}]}
    gh.fail_next("PATCH", r"/issues/3$", 422, body=invalid)
    with pytest.raises(InvalidArguments, match="could not close issue #3 in acme/api: Validation Failed; state inv"):
        await run(tools, "close_issue", repo="acme/api", number=3)
    with pytest.raises(InvalidArguments, match="`reason`"):
        tools.validate("close_issue", {"repo": "acme/api", "number": 3, "reason": "wontfix"})
    assert gh.repos["acme/api"].issues[3].state == "open"


async def test_a_lost_answer_is_settled_by_reading_the_issue_again(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 3, "Disk full")
    gh.fail_next("PATCH", r"/issues/3$", 502)  # not closed: the outcome stays unknown
    with pytest.raises(OutcomeUnknown, match="may or may not have happened"):
        await run(tools, "close_issue", repo="acme/api", number=3)

    gh.fail_next("PATCH", r"/issues/3$", 502, apply=True)  # closed, but the answer was an error
    result = await run(tools, "close_issue", repo="acme/api", number=3)

    assert result.text.endswith("(GitHub reported an error, but it had been closed)")
    assert len(sent(gh, "PATCH", "/issues/3")) == 2  # once each time: a PATCH is never retried
