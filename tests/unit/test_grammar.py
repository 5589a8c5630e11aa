"""GrammarPlanner: natural forms, `key=value` forms, mentions, quotes, default repo, help and errors."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.errors import UserFacingError
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.planner.grammar import GrammarPlanner, clean, parse_key_values
from bot.orchestration.planner.planner_base import Plan, PlanContext

TOOL_NAMES = (
    "close_issue",
    "comment",
    "create_issue",
    "dispatch_workflow",
    "get_pull_request",
    "list_failed_workflow_runs",
    "list_issues",
    "list_pull_requests",
    "merge_pull_request",
    "rerun_failed_jobs",
)


@pytest.fixture
def ctx(registry: ToolRegistry) -> PlanContext:
    return PlanContext(tool_names=tuple(registry.names()))


def plan(text: str, context: PlanContext) -> Plan:
    return GrammarPlanner().plan(text, context)


def single(text: str, context: PlanContext) -> tuple[str, dict[str, Any]]:
    result = plan(text, context)
    assert not result.help
    assert len(result.calls) == 1, result
    return result.calls[0].tool, result.calls[0].args


def test_tool_names_match_the_real_registry(registry: ToolRegistry, no_network: list[Any]) -> None:
    assert tuple(registry.names()) == TOOL_NAMES
    assert no_network == []  # building the gateway and its tools touched no socket


# -- natural forms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("list prs in acme/api", "list_pull_requests", {"repo": "acme/api"}),
        ("list prs acme/api", "list_pull_requests", {"repo": "acme/api"}),
        ("show open pull requests for acme/web-app", "list_pull_requests", {"repo": "acme/web-app"}),
        (
            "merge pr #42 in acme/api with squash",
            "merge_pull_request",
            {"number": 42, "repo": "acme/api", "method": "squash"},
        ),
        ("merge pr 42 in acme/api", "merge_pull_request", {"number": 42, "repo": "acme/api"}),
        ("show pr 42 in acme/api", "get_pull_request", {"number": 42, "repo": "acme/api"}),
        ("show pull request #7 of acme/api", "get_pull_request", {"number": 7, "repo": "acme/api"}),
        ("create issue in acme/api: Login is broken", "create_issue", {"repo": "acme/api", "title": "Login is broken"}),
        ("rerun failed checks on pr 42 in acme/api", "rerun_failed_jobs", {"pr": "42", "repo": "acme/api"}),
        ("retry the failed jobs for pr #9 in acme/api", "rerun_failed_jobs", {"pr": "9", "repo": "acme/api"}),
        (
            "list failed runs in acme/api on main",
            "list_failed_workflow_runs",
            {"repo": "acme/api", "branch": "main"},
        ),
        ("list failed runs in acme/api", "list_failed_workflow_runs", {"repo": "acme/api"}),
        ("comment on pr 3 in acme/api: Looks good", "comment", {"number": 3, "repo": "acme/api", "body": "Looks good"}),
        ("close issue 12 in acme/api", "close_issue", {"number": 12, "repo": "acme/api"}),
        (
            "close issue #12 in acme/api as not planned",
            "close_issue",
            {"number": 12, "repo": "acme/api", "reason": "not_planned"},
        ),
        (
            "close issue 12 in acme/api as Not-Planned: duplicate of #3",
            "close_issue",
            {"number": 12, "repo": "acme/api", "reason": "not_planned", "comment": "duplicate of #3"},
        ),
        (
            "close pr 7 in acme/api as completed",
            "close_issue",
            {"number": 7, "repo": "acme/api", "reason": "completed"},
        ),
        ("close issue 12: Fixed in #13", "close_issue", {"number": 12, "comment": "Fixed in #13"}),
        (
            "dispatch workflow deploy.yml on main in acme/api",
            "dispatch_workflow",
            {"workflow": "deploy.yml", "ref": "main", "repo": "acme/api"},
        ),
        (
            "dispatch workflow deploy.yml in acme/api",
            "dispatch_workflow",
            {"workflow": "deploy.yml", "repo": "acme/api"},
        ),
    ],
)
def test_natural_forms(text: str, tool: str, args: dict[str, Any], ctx: PlanContext) -> None:
    assert single(text, ctx) == (tool, args)


@pytest.mark.parametrize(
    "text",
    [
        "list prs in acme/api",
        "merge pr #42 in acme/api with squash",
        "show pr 42 in acme/api",
        "create issue in acme/api: A title",
        "rerun failed checks on pr 42 in acme/api",
        "list failed runs in acme/api on main",
        "comment on pr 3 in acme/api: body",
        "close issue 12 in acme/api as not planned: body",
        "dispatch workflow deploy.yml on main in acme/api",
        "rerun #8 in acme/api",
        "rerun run 123456789 in acme/api",
        "squash merge #7 in acme/api",
        "merge #7 in acme/api rebase",
        "list closed prs in acme/api",
        "show issues labeled bug in acme/api",
        "pr 7 in acme/api",
        "what's the status of main in acme/api",
        "dispatch deploy.yml on main in acme/api",
    ],
)
def test_natural_forms_give_arguments_the_tool_accepts(text: str, ctx: PlanContext, registry: ToolRegistry) -> None:
    calls = plan(text, ctx).calls
    assert calls
    for call in calls:
        registry.validate(call.tool, call.args)


def test_rerun_pr_number_validates_to_an_int(ctx: PlanContext, registry: ToolRegistry) -> None:
    tool, args = single("rerun failed checks on pr #42 in acme/api", ctx)
    model = registry.validate(tool, args)
    assert model.model_dump()["pr"] == 42
    assert model.model_dump()["run_id"] is None


def test_natural_forms_are_case_insensitive(ctx: PlanContext, registry: ToolRegistry) -> None:
    tool, args = single("MERGE PR 42 IN acme/api WITH SQUASH", ctx)
    assert (tool, args) == ("merge_pull_request", {"number": 42, "repo": "acme/api", "method": "squash"})
    registry.validate(tool, args)  # the method as the tool spells it (it was passed on as "SQUASH", refused)


def test_issue_title_keeps_colons_and_newlines(ctx: PlanContext) -> None:
    _tool, args = single("create issue in acme/api: CI: flaky\ntests", ctx)
    # whitespace (including newlines) is collapsed by clean(); the second colon stays in the title
    assert args["title"] == "CI: flaky tests"


def test_a_natural_form_for_a_tool_not_offered_is_not_planned() -> None:
    context = PlanContext(tool_names=("list_pull_requests",))
    with pytest.raises(UserFacingError):
        plan("merge pr 42 in acme/api", context)


# -- mentions, whitespace, smart quotes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<@W111> list prs in acme/api",
        "<@U0123ABC|opsbot>   list prs in acme/api",
        "<@W111> <@W111> list prs in acme/api",
        "  list\tprs\n in   acme/api  ",
    ],
)
def test_mentions_and_whitespace_are_ignored(text: str, ctx: PlanContext) -> None:
    assert single(text, ctx) == ("list_pull_requests", {"repo": "acme/api"})


def test_mentions_inside_the_request_are_kept_as_data(ctx: PlanContext) -> None:
    assert single("<@W111> comment on pr 3 in acme/api: thanks <@U5>", ctx) == (
        "comment",
        {"number": 3, "repo": "acme/api", "body": "thanks <@U5>"},
    )


def test_a_bare_mention_asks_for_help(ctx: PlanContext) -> None:
    assert plan("<@W111>", ctx) == Plan(help=True)


def test_smart_double_quotes_in_key_values(ctx: PlanContext) -> None:
    tool, args = single("create_issue repo=acme/api title=\u201cLogin is broken\u201d", ctx)
    assert (tool, args) == ("create_issue", {"repo": "acme/api", "title": "Login is broken"})


def test_smart_apostrophe_inside_double_quotes(ctx: PlanContext) -> None:
    _tool, args = single("create_issue repo=acme/api title=\u201cIt\u2019s broken\u201d", ctx)
    assert args["title"] == "It's broken"


def test_smart_apostrophe_in_a_natural_title(ctx: PlanContext) -> None:
    _tool, args = single("create issue in acme/api: It\u2019s broken", ctx)
    assert args["title"] == "It's broken"


def test_smart_single_quotes_in_key_values(ctx: PlanContext) -> None:
    _tool, args = single("create_issue repo=acme/api title=\u2018Login is broken\u2019", ctx)
    assert args["title"] == "Login is broken"


def test_clean_normalises_mentions_quotes_and_spaces() -> None:
    assert clean("<@W1>  say \u201chi\u201d\n now\u2019") == 'say "hi" now\''


# -- key=value forms ---------------------------------------------------------------------------------


def test_tool_name_with_key_values(ctx: PlanContext) -> None:
    assert single("merge_pull_request repo=acme/api number=42 method=squash", ctx) == (
        "merge_pull_request",
        {"repo": "acme/api", "number": "42", "method": "squash"},
    )


def test_quoted_values_keep_their_spaces(ctx: PlanContext) -> None:
    _tool, args = single("create_issue repo=acme/api title=\"Login is broken\" 'body=Steps: a b'", ctx)
    assert args == {"repo": "acme/api", "title": "Login is broken", "body": "Steps: a b"}


def test_nested_keys_build_a_dict(ctx: PlanContext, registry: ToolRegistry) -> None:
    tool, args = single(
        'dispatch_workflow repo=acme/api workflow=deploy.yml inputs.env=prod inputs.note="two words"', ctx
    )
    assert args == {
        "repo": "acme/api",
        "workflow": "deploy.yml",
        "inputs": {"env": "prod", "note": "two words"},
    }
    registry.validate(tool, args)


def test_close_issue_by_key_values_validates(ctx: PlanContext, registry: ToolRegistry) -> None:
    tool, args = single("close_issue repo=acme/api number=12", ctx)
    assert (tool, args) == ("close_issue", {"repo": "acme/api", "number": "12"})
    assert registry.validate(tool, args).model_dump() == {
        "repo": "acme/api",
        "number": 12,
        "reason": "completed",
        "comment": None,
    }


def test_value_may_contain_equals_signs() -> None:
    assert parse_key_values("body=a=b") == {"body": "a=b"}


def test_a_key_with_a_value_and_nested_values_is_refused() -> None:
    with pytest.raises(UserFacingError) as info:
        parse_key_values("inputs=x inputs.env=prod")
    assert info.value.message == "`inputs.env` mixes a value and nested values."


def test_bare_owner_name_is_the_repo(ctx: PlanContext) -> None:
    assert single("list_pull_requests acme/api", ctx) == ("list_pull_requests", {"repo": "acme/api"})
    assert single("list_pull_requests acme/api state=closed", ctx) == (
        "list_pull_requests",
        {"repo": "acme/api", "state": "closed"},
    )


def test_bare_words_that_are_not_a_repo_are_named() -> None:
    with pytest.raises(UserFacingError) as info:
        parse_key_values("number=4 please now")
    assert info.value.message == "I did not understand `please` `now`."
    assert info.value.hint is not None and "key=value" in info.value.hint


def test_bare_repo_besides_an_explicit_repo_is_refused() -> None:
    with pytest.raises(UserFacingError, match="`acme/web`"):
        parse_key_values("repo=acme/api acme/web")


def test_tool_name_alone_has_no_arguments(ctx: PlanContext) -> None:
    assert single("list_pull_requests", ctx) == ("list_pull_requests", {})


@pytest.mark.parametrize(
    "text", ['create_issue repo=acme/api title="unterminated', "create_issue repo=acme/api title=Don't"]
)
def test_bad_quoting_is_a_clear_user_error(text: str, ctx: PlanContext) -> None:
    with pytest.raises(UserFacingError) as info:
        plan(text, ctx)
    assert info.value.message == "I could not read the arguments: No closing quotation."
    assert info.value.hint == "Quote values with spaces."


# -- default repository ------------------------------------------------------------------------------


def test_default_repo_fills_in_a_missing_repo(registry: ToolRegistry) -> None:
    context = PlanContext(default_repo="acme/web", tool_names=tuple(registry.names()))
    assert single("merge pr 42", context) == ("merge_pull_request", {"number": 42, "repo": "acme/web"})
    assert single("list prs", context) == ("list_pull_requests", {"repo": "acme/web"})
    assert single("create issue: Broken", context) == ("create_issue", {"title": "Broken", "repo": "acme/web"})
    assert single("close issue 4", context) == ("close_issue", {"number": 4, "repo": "acme/web"})
    assert single("get_pull_request number=3", context) == ("get_pull_request", {"number": "3", "repo": "acme/web"})


def test_an_explicit_repo_beats_the_default(registry: ToolRegistry) -> None:
    context = PlanContext(default_repo="acme/web", tool_names=tuple(registry.names()))
    assert single("list prs in acme/api", context)[1] == {"repo": "acme/api"}
    assert single("list_pull_requests repo=acme/api", context)[1] == {"repo": "acme/api"}
    assert single("list_pull_requests acme/api", context)[1] == {"repo": "acme/api"}


def test_without_a_default_the_repo_stays_missing(ctx: PlanContext) -> None:
    assert single("merge pr 42", ctx) == ("merge_pull_request", {"number": 42})


# -- help and unknown commands -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?", "commands", "usage", "hi", "Hello", "<@W111> help"])
def test_help_words(text: str, ctx: PlanContext) -> None:
    assert plan(text, ctx) == Plan(help=True)


def test_planning_is_deterministic(ctx: PlanContext) -> None:
    text = "merge pr #42 in acme/api with squash"
    assert plan(text, ctx) == plan(text, ctx)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("lsit prs in acme/api", "list prs in acme/api"),
        ("merge_pul_request repo=acme/api number=4", "merge_pull_request repo=acme/api number=4"),
        ("dispath workflow deploy.yml", "dispatch workflow deploy.yml"),
        ("cloze issue 12 in acme/api", "close issue 12 in acme/api"),
    ],
)
def test_unknown_command_suggests(text: str, suggestion: str, ctx: PlanContext) -> None:
    with pytest.raises(UserFacingError) as info:
        plan(text, ctx)
    assert info.value.message == f"I don't know how to do `{text}`."
    assert info.value.hint is not None
    assert info.value.hint.startswith("Did you mean ")
    assert info.value.suggestions[0] == suggestion and f"`{suggestion}`" in info.value.hint
    assert plan(suggestion, ctx).calls  # the button plans what it says
    assert info.value.hint.endswith("Try `/ops help` for the list of commands.")


def test_unknown_command_without_a_close_match(ctx: PlanContext) -> None:
    with pytest.raises(UserFacingError) as info:
        plan("xyzzy plugh", ctx)
    assert info.value.hint == "Try `/ops help` for the list of commands."


def test_unknown_command_echo_is_truncated(ctx: PlanContext) -> None:
    with pytest.raises(UserFacingError) as info:
        plan("xyzzy " + "a" * 200, ctx)
    assert len(info.value.message) < 120
    assert "…" in info.value.message


def test_tool_names_are_not_matched_by_prefix(ctx: PlanContext) -> None:
    with pytest.raises(UserFacingError):
        plan("list_pull_requestsX repo=acme/api", ctx)


def test_branch_after_on_with_a_default_repo(registry: ToolRegistry) -> None:
    context = PlanContext(default_repo="acme/web", tool_names=tuple(registry.names()))
    assert single("list failed runs on main", context) == (
        "list_failed_workflow_runs",
        {"branch": "main", "repo": "acme/web"},
    )


def test_a_branch_with_a_slash_is_not_taken_for_a_repo(registry: ToolRegistry) -> None:
    context = PlanContext(default_repo="acme/web", tool_names=tuple(registry.names()))
    assert single("list failed runs on release/1.0", context) == (
        "list_failed_workflow_runs",
        {"branch": "release/1.0", "repo": "acme/web"},
    )


def test_text_for_github_is_as_the_person_typed_it_not_as_slack_escaped_it(ctx: PlanContext) -> None:
    [comment] = GrammarPlanner().plan("comment on #7 in acme/api: a &lt; b &amp;&amp; c &gt; d", ctx).calls
    assert comment.args["body"] == "a < b && c > d"
    [issue] = GrammarPlanner().plan('create_issue repo=acme/api title="p95 &gt; 2 s on /login"', ctx).calls
    assert issue.args["title"] == "p95 > 2 s on /login"
