"""list_issues through PyGithub against the fake GitHub: no pull requests, filters, pages, the capped reply, errors,
and the reply as it reaches Slack."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.core.errors import InvalidArguments, NotFound, PermissionDenied
from bot.core.jsonvalue import dig, items
from bot.core.mrkdwn import seal
from bot.core.tool_registry import ToolRegistry, ToolResult
from integrations.github.github_args import ListIssuesArgs
from integrations.github.github_format import SHOWN_ISSUES
from tests.fakes.github import FakeGitHub
from tests.github.helpers import sent
from tests.harness import Harness
from tests.tool_calls import run

EVIL = "<!channel> <https://evil.example|docs>"


def numbers(result: ToolResult) -> list[object]:
    return [dig(issue, "number") for issue in items(result.data["issues"])]


async def test_issues_are_listed_newest_first_without_pull_requests(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 3, "Login <b>broken</b>", labels=("bug", EVIL), assignees=("ben", "cy"), age=timedelta(6))
    gh.add_issue("acme/api", 5, "Document pagination", user="cy", age=timedelta(days=20))
    gh.add_pr("acme/api", 4, "A pull request is an issue too, to GitHub", age=timedelta(days=1))
    closed = gh.add_issue("acme/api", 2, "Old alert")
    closed.state = "closed"

    result = await run(tools, "list_issues", repo="acme/api")

    assert result.text == "2 open issues in `acme/api`:"
    assert [seal(line) for line in result.lines] == [
        "<https://github.com/acme/api/issues/3|#3 Login &lt;b&gt;broken&lt;/b&gt;> — labels: bug, "
        "&lt;!channel&gt; &lt;https://evil.example|docs&gt; · assigned: @ben, @cy · 6d old",
        "<https://github.com/acme/api/issues/5|#5 Document pagination> — no labels · unassigned · 20d old",
    ]
    assert items(result.data["issues"])[0] == {
        "number": 3,
        "title": "Login <b>broken</b>",
        "state": "open",
        "author": "ana",
        "labels": ["bug", EVIL],
        "assignees": ["ben", "cy"],
        "age_days": 6,
        "url": "https://github.com/acme/api/issues/3",
    }
    assert result.data["more"] is False
    assert result.link == "https://github.com/acme/api/issues?q=is%3Aissue+is%3Aopen"
    # one request: labels, assignees and the pull request test all come from the list answer
    assert [(r.method, r.path, r.query) for r in gh.requests] == [
        ("GET", "/repos/acme/api/issues", {"state": "open", "per_page": "100"})
    ]


async def test_state_label_and_assignee_are_githubs_filters(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_issue("acme/api", 1, "Crash on save", labels=("bug",), assignees=("ana",))
    gh.add_issue("acme/api", 2, "Slow export", labels=("Bug", "perf"), assignees=("ben",))
    gh.add_issue("acme/api", 3, "Nobody's", labels=("bug",))
    fixed = gh.add_issue("acme/api", 4, "Fixed crash", labels=("bug",), assignees=("ana",))
    fixed.state, fixed.state_reason = "closed", "completed"

    async def listed(**args: object) -> list[object]:
        return numbers(await run(tools, "list_issues", repo="acme/api", **args))

    assert await listed(label="bug") == [3, 2, 1]  # GitHub matches a label's name in any case
    assert await listed(label="bug", assignee="@ana") == [1]
    assert await listed(assignee="none") == [3]
    assert await listed(state="closed", label="bug") == [4]
    assert await listed(state="all", assignee="ana") == [4, 1]
    assert sent(gh, "GET", "/issues")[1].query == {
        "state": "open",
        "labels": "bug",
        "assignee": "ana",
        "per_page": "100",
    }

    result = await run(tools, "list_issues", repo="acme/api", state="closed", label="bug", assignee="ana")
    assert result.text == "1 closed issue labelled `bug` assigned to @ana in `acme/api`:"
    assert seal(result.lines[0]).startswith("<https://github.com/acme/api/issues/4|#4 Fixed crash> (closed) — ")
    assert result.link == (
        "https://github.com/acme/api/issues?q=is%3Aissue+is%3Aclosed+label%3A%22bug%22+assignee%3Aana"
    )


async def test_none_found_says_so_for_the_filters_asked(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_pr("acme/api", 7, "Only a pull request")
    result = await run(tools, "list_issues", repo="acme/api")
    assert (result.text, result.lines, result.link) == ("No open issues in `acme/api`.", (), None)
    result = await run(tools, "list_issues", repo="acme/api", state="all", label="<!here>", assignee="none")
    assert result.text == "No issues labelled `&lt;!here&gt;` assigned to nobody in `acme/api`."


async def test_the_limit_counts_issues_and_pages_are_followed(tools: ToolRegistry, gh: FakeGitHub) -> None:
    for number in range(1, 4):
        gh.add_issue("acme/api", number, f"Issue {number}", age=timedelta(days=10 + number))
    for number in range(10, 130):  # newer than every issue: the first page holds pull requests only
        gh.add_pr("acme/api", number, f"PR {number}", age=timedelta(hours=1))

    result = await run(tools, "list_issues", repo="acme/api", limit=2)

    assert result.text == "The newest 2 open issues in `acme/api` (GitHub may have more):"
    assert numbers(result) == [1, 2]
    assert result.data["more"] is True
    pages = [r.query.get("page", "1") for r in sent(gh, "GET", "/issues")]
    assert pages == ["1", "2"]  # the second by the first answer's Link rel="next"

    every = await run(tools, "list_issues", repo="acme/api", limit=3)
    assert (every.text, every.data["more"]) == ("3 open issues in `acme/api`:", False)


async def test_a_long_list_is_capped_in_the_reply_but_whole_in_the_data(tools: ToolRegistry, gh: FakeGitHub) -> None:
    for number in range(1, 41):
        gh.add_issue("acme/api", number, f"Issue {number}", age=timedelta(hours=number))

    result = await run(tools, "list_issues", repo="acme/api", limit=40)

    assert len(result.lines) == SHOWN_ISSUES + 1
    assert result.lines[-1] == f"…and {40 - SHOWN_ISSUES} more."
    assert len(items(result.data["issues"])) == 40

    for number in range(1, 41):  # long titles: as many lines as fit one Slack section (3000 characters)
        gh.repos["acme/api"].issues[number].title = "&" * 256
    long = await run(tools, "list_issues", repo="acme/api", limit=40)
    assert len("\n".join(long.lines)) <= 3000
    assert long.lines[-1] == f"…and {40 - (len(long.lines) - 1)} more."
    assert 1 < len(long.lines) - 1 < SHOWN_ISSUES


async def test_github_errors_are_mapped_as_for_every_read(tools: ToolRegistry, gh: FakeGitHub) -> None:
    with pytest.raises(NotFound) as unknown:
        await run(tools, "list_issues", repo="acme/webapp")
    assert unknown.value.message == "Repository `acme/webapp` was not found, or the token has no access to it."
    assert unknown.value.suggestions[0] == "acme/web-app"

    gh.fail_next("GET", r"/issues$", 403, headers={"X-Accepted-GitHub-Permissions": "issues=read"})
    with pytest.raises(PermissionDenied) as denied:
        await run(tools, "list_issues", repo="acme/api")
    assert denied.value.message == (
        "The GitHub token may not list the issues of acme/api: it needs the `issues=read` permission."
    )

    gh.fail_next("GET", r"/issues$", 410)
    with pytest.raises(NotFound, match=r"could not list the issues of acme/api: Issues are disabled for this repo"):
        await run(tools, "list_issues", repo="acme/api")


def test_arguments_are_checked_before_github(tools: ToolRegistry, gh: FakeGitHub) -> None:
    valid = tools.validate("list_issues", {"repo": "acme/api", "assignee": "@ana"})
    assert isinstance(valid, ListIssuesArgs) and (valid.assignee, valid.state, valid.limit) == ("ana", "open", 20)
    wrongs: list[tuple[dict[str, object], str]] = [
        ({"limit": 51}, "limit"),
        ({"limit": 0}, "limit"),
        ({"state": "merged"}, "state"),
        ({"assignee": "ana smith"}, "GitHub login"),
        ({"label": ""}, "label"),
        ({"labels": "bug"}, "`labels` is not an argument"),
    ]
    for wrong, named in wrongs:
        with pytest.raises(InvalidArguments, match=named):
            tools.validate("list_issues", {"repo": "acme/api", **wrong})
    assert gh.requests == []


async def test_the_reply_in_slack_links_each_issue_and_nothing_from_outside(env: Harness) -> None:
    env.github.add_issue("acme/api", 3, f"Crash {EVIL}", labels=(EVIL,), assignees=("ana",))
    env.github.add_pr("acme/api", 4, "Not an issue")

    await env.driver.mention("list_issues repo=acme/api", user="U1", channel="C1")
    await env.settle()

    [reply] = [c for c in env.slack.calls_to("chat.postMessage") if "list_issues" in json.dumps(c.params)]
    said = json.dumps(reply.params)
    assert "1 open issue in `acme/api`:" in said
    assert "<https://github.com/acme/api/issues/3|#3 Crash &lt;!channel&gt; &lt;https://evil.example/docs&gt;>" in said
    assert "<!channel>" not in said and "<https://evil.example" not in said
    assert "Not an issue" not in said
