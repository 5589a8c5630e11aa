"""The grammar meets people halfway (issue 17, item 4): the bot's mention anywhere, any case, emoji, "can you …
please?", every way of writing a PR number, and common phrasings ("what's failing", "status", "deploy … to …") give
the same command — or, when nothing matches, the closest whole commands as one-click suggestions. Tables: each
phrasing with the call(s) it must plan (`None`: it must stay a clear "I don't know" reply, never a wrong call), and
each phrasing that is not a command with the suggestions it must get, every one of which plans."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.core.errors import UserFacingError
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext, RunbookInfo

TOOLS = (
    "close_issue", "comment", "create_issue", "dispatch_workflow", "get_pull_request", "list_failed_workflow_runs",
    "list_pull_requests", "merge_pull_request", "rerun_failed_jobs",
)  # fmt: skip
RELEASE = RunbookInfo(
    name="release",
    inputs=("repo", "version", "environment"),
    required=frozenset({"repo", "version"}),
    choices=(("environment", ("staging", "production")),),
)
CTX = PlanContext(
    default_repo="acme/api", tool_names=(*TOOLS, "list_issues"), repo_tools=frozenset((*TOOLS, "list_issues")),
    bot_user_id="W1", bot_name="opsbot", known_repos=("acme/api", "acme/web"), runbooks=(RELEASE,),
)  # fmt: skip
NO_DEFAULT = PlanContext(
    tool_names=TOOLS, repo_tools=frozenset(TOOLS), known_repos=("acme/api", "acme/web"), runbooks=(RELEASE,)
)
MERGE_7: tuple[str, dict[str, Any]] = ("merge_pull_request", {"number": 7, "repo": "acme/api"})
REB = "rebase"
LIST: tuple[str, dict[str, Any]] = ("list_pull_requests", {"repo": "acme/api"})
FAILING: tuple[str, dict[str, Any]] = ("list_failed_workflow_runs", {"repo": "acme/api"})
DEPLOYS: dict[str, Any] = {"repo": "acme/api", "workflow": "deploy.yml"}
DEPLOY_PROD: tuple[str, dict[str, Any]] = ("dispatch_workflow", {**DEPLOYS, "inputs": {"environment": "production"}})

# Said to opsbot: who is addressed, then the request, then how it ends.
OPENINGS = ("", "<@W1> ", "hey <@W1> ", "Hey <@W1>, ", "hi <@W1>: ", "<@W1> can you ", ":rocket: ", "🚀 ", "please ",
            "can you ", "could you please ", "<@W1> 🙏 ")  # fmt: skip
MERGES = ("merge pr 7", "merge #7", "merge PR #7", "merge pull request 7", "Merge PR#7", "MERGE PR 7", "merge the pr 7")
ENDINGS = ("", "?", "!", " please", " 🙏", " thanks!", " :pray:", ".")

GENERATED = [(f"{o}{m}{e}", MERGE_7) for o, m, e in itertools.product(OPENINGS, MERGES, ENDINGS)]

TABLE: list[tuple[str, tuple[str, dict[str, Any]] | None]] = [
    ("can you merge #7?", MERGE_7),
    ("<@W1> LIST PRS", LIST),
    ("@opsbot list prs", LIST),  # the bot's name typed as text (a slash command, a DM)
    ("@OpsBot LIST PRS", LIST),
    ("@opsbotx list prs", None),  # another name is not the bot's
    ("so <@W1> list prs", LIST),
    ("hey, can <@W1> list prs?", LIST),
    ("list prs <@W1>", LIST),
    ("list prs, <@W1>!", LIST),
    ("<@W2> <@W1> list prs", LIST),  # addressed to someone else too: still a request to opsbot
    ("<@W2> can you review #7?", None),  # a mention of someone else only: not a command
    ("LIST PRS IN ACME/WEB", ("list_pull_requests", {"repo": "ACME/WEB"})),
    ("✅ list prs ✅", LIST),
    (":eyes: show #12 :eyes:", ("get_pull_request", {"number": 12, "repo": "acme/api"})),
    ("show pull request #12 in acme/web", ("get_pull_request", {"number": 12, "repo": "acme/web"})),
    ("get PR 12", ("get_pull_request", {"number": 12, "repo": "acme/api"})),
    ("merge #7 using rebase", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": REB})),
    ("Merge pull-request 7 by merge", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": "merge"})),
    ("merge pr 0007", MERGE_7),
    ("re-run failed jobs on pr 8", ("rerun_failed_jobs", {"pr": "8", "repo": "acme/api"})),
    ("retry failed ci for #8 in acme/web", ("rerun_failed_jobs", {"pr": "8", "repo": "acme/web"})),
    ("rerun failed runs on pull request 8", ("rerun_failed_jobs", {"pr": "8", "repo": "acme/api"})),
    ("create issue: Login is slow", ("create_issue", {"repo": "acme/api", "title": "Login is slow"})),
    ("open an issue in acme/web: Broken link", ("create_issue", {"repo": "acme/web", "title": "Broken link"})),
    ("file issue: Flaky test", ("create_issue", {"repo": "acme/api", "title": "Flaky test"})),
    ("comment on pr 7: shipping it", ("comment", {"number": 7, "repo": "acme/api", "body": "shipping it"})),
    ("close issue 9 as completed", ("close_issue", {"number": 9, "repo": "acme/api", "reason": "completed"})),
    ("close #9: duplicate of #3", ("close_issue", {"number": 9, "repo": "acme/api", "comment": "duplicate of #3"})),
    (
        "dispatch workflow deploy.yml on main",
        ("dispatch_workflow", {"workflow": "deploy.yml", "ref": "main", "repo": "acme/api"}),
    ),
    ("run workflow ci.yml in acme/web", ("dispatch_workflow", {"workflow": "ci.yml", "repo": "acme/web"})),
    ("list failed workflows", FAILING),
    ("show failed ci on main", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "main"})),
    ("what's red", FAILING),
    ("is anything broken on main?", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "main"})),
    ("list closed issues", ("list_issues", {"repo": "acme/api", "state": "closed"})),
    ("show all issues in acme/web", ("list_issues", {"repo": "acme/web", "state": "all"})),
    ("merge pr 7 in acme/web please", ("merge_pull_request", {"number": 7, "repo": "acme/web"})),
    ("deploy production", DEPLOY_PROD),
    ("<@W1> deploy to production", DEPLOY_PROD),
    ("deploy staging v1.4.0 in acme/web", ("dispatch_workflow", {**DEPLOYS, "repo": "acme/web", "ref": "v1.4.0",
                                                                 "inputs": {"environment": "staging"}})),
    ("deploy production from release/1.4", ("dispatch_workflow", {**DEPLOY_PROD[1], "ref": "release/1.4"})),
    ("what's up", None),
    ("thanks!", None),
    ("any prs?", LIST),
    ("open prs", LIST),
    ("what prs are open?", LIST),
    ("pull requests in acme/web", ("list_pull_requests", {"repo": "acme/web"})),
    ("what's failing", FAILING),
    ("what's failing?", FAILING),
    ("whats failing on main", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "main"})),
    ("what is failing on main in acme/web", ("list_failed_workflow_runs", {"repo": "acme/web", "branch": "main"})),
    ("what's broken", FAILING),
    ("anything failing?", FAILING),
    ("any failures on release/1.4", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "release/1.4"})),
    ("failing builds", FAILING),
    ("failed ci in acme/web", ("list_failed_workflow_runs", {"repo": "acme/web"})),
    ("list failed runs on main in acme/web", ("list_failed_workflow_runs", {"repo": "acme/web", "branch": "main"})),
    ("list issues", ("list_issues", {"repo": "acme/api"})),
    ("show open issues in acme/web", ("list_issues", {"repo": "acme/web", "state": "open"})),
    ("list issues labelled bug", ("list_issues", {"repo": "acme/api", "label": "bug"})),
    ("what's the status of #7", ("get_pull_request", {"number": 7, "repo": "acme/api"})),
    ("hey <@W1> list prs in acme/web", ("list_pull_requests", {"repo": "acme/web"})),
    ("list open pull requests", LIST),
    ("show pr #12", ("get_pull_request", {"number": 12, "repo": "acme/api"})),
    ("status of pr 12?", ("get_pull_request", {"number": 12, "repo": "acme/api"})),
    ("check #12", ("get_pull_request", {"number": 12, "repo": "acme/api"})),
    ("merge #7 with squash", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": "squash"})),
    (
        "merge pr 7 in acme/web using rebase",
        ("merge_pull_request", {"number": 7, "repo": "acme/web", "method": "rebase"}),
    ),
    ("rerun failed jobs on #8", ("rerun_failed_jobs", {"pr": "8", "repo": "acme/api"})),
    ("please retry the failed checks for PR #8!", ("rerun_failed_jobs", {"pr": "8", "repo": "acme/api"})),
    ("comment on #7: LGTM", ("comment", {"number": 7, "repo": "acme/api", "body": "LGTM"})),
    ("comment on issue 9: on it", ("comment", {"number": 9, "repo": "acme/api", "body": "on it"})),
    ("close issue #9 as not planned", ("close_issue", {"number": 9, "repo": "acme/api", "reason": "not_planned"})),
    ("close #9", ("close_issue", {"number": 9, "repo": "acme/api"})),
    ("list failed runs on main", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "main"})),
    ("🔥 list failed builds", ("list_failed_workflow_runs", {"repo": "acme/api"})),
    ("merge", None),
    ("merge everything", None),
    ("merge pr seven", None),
]


@pytest.mark.parametrize(("text", "expected"), [*TABLE, *GENERATED])
def test_a_phrasing_plans_its_command(text: str, expected: tuple[str, dict[str, Any]] | None) -> None:
    if expected is None:
        with pytest.raises(UserFacingError, match="I don't know how to do"):
            GrammarPlanner().plan(text, CTX)
        return
    plan = GrammarPlanner().plan(text, CTX)
    assert [(c.tool, c.args) for c in plan.calls] == [expected]


STATUS = [("list_pull_requests", {"repo": "acme/api"}), ("list_failed_workflow_runs", {"repo": "acme/api"})]
WEB_STATUS = [("list_pull_requests", {"repo": "acme/web"}), ("list_failed_workflow_runs", {"repo": "acme/web"})]
SEVERAL = [
    ("status", STATUS), ("status?", STATUS), ("<@W1> status", STATUS), ("what's the status", STATUS),
    ("overview", STATUS), ("status of acme/web", WEB_STATUS), ("status report for acme/web", WEB_STATUS),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), SEVERAL)
def test_a_phrasing_plans_several_reads(text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    plan = GrammarPlanner().plan(text, CTX)
    assert [(c.tool, c.args) for c in plan.calls] == expected


DEPLOY_1_4 = "run release environment=production repo=acme/api version=1.4.0"
# Not a command: what it gets, as buttons (the first is the closest).
SUGGESTED: list[tuple[str, PlanContext, tuple[str, ...]]] = [
    ("mrege pr 7", CTX, ("merge pr 7",)),
    ("merg #7", CTX, ("merge #7",)),
    ("lsit prs", CTX, ("list prs",)),
    ("lits prs in acme/web", CTX, ("list prs in acme/web",)),
    ("ship #7", CTX, ("merge pr 7", "show pr 7")),
    ("land pr 7 in acme/web", CTX, ("merge pr 7 in acme/web",)),
    ("restart ci on #8", CTX, ("rerun failed jobs on pr 8",)),
    ("retry #8", CTX, ("rerun failed jobs on pr 8",)),
    ("what needs review", CTX, ("list prs",)),
    ("what happened today", CTX, ("audit today",)),
    ("approve #7", CTX, ("pending",)),
    ("what is waiting for me", CTX, ("pending",)),
    ("cloze issue 9", CTX, ("close issue 9",)),
    ("show bugs", CTX, ("list issues",)),
    ("merge", CTX, ("list prs",)),
    ("merge pr seven", CTX, ("list prs",)),
    ("deploy 1.4.0 to prod", CTX, (DEPLOY_1_4,)),
    ("deploy v2.0.1 to staging in acme/web", CTX, ("run release environment=staging repo=acme/web version=v2.0.1",)),
    ("ship 1.4.0 to production", CTX, (DEPLOY_1_4,)),
    ("deploy api to prod", CTX, ("runbooks",)),  # no version: the runbook list, and the command to type
    ("can you merge #7?", NO_DEFAULT, ("merge #7 in acme/api", "merge #7 in acme/web")),
    ("what's failing on main", NO_DEFAULT, ("what's failing on main in acme/api",)),
    ("status", NO_DEFAULT, ("status in acme/api", "status in acme/web")),
    ("list prs", NO_DEFAULT, ("list prs in acme/api", "list prs in acme/web")),
    ("show #12", NO_DEFAULT, ("show #12 in acme/api", "show #12 in acme/web")),
    ("rerun failed jobs on #8", NO_DEFAULT, ("rerun failed jobs on #8 in acme/api",)),
    ("mrege pr 7 in acme/web", NO_DEFAULT, ("merge pr 7 in acme/web",)),
]


@pytest.mark.parametrize(("text", "context", "expected"), SUGGESTED)
def test_what_is_not_a_command_gets_the_closest_commands_as_buttons(
    text: str, context: PlanContext, expected: tuple[str, ...]
) -> None:
    with pytest.raises(UserFacingError) as info:
        GrammarPlanner().plan(text, context)
    assert tuple(info.value.suggestions[: len(expected)]) == expected
    assert info.value.hint is not None and all(f"`{s}`" in info.value.hint for s in info.value.suggestions[:1])
    for command in info.value.suggestions:  # a click never meets a second "I don't know"
        plan = GrammarPlanner().plan(command, context)
        assert plan.calls or plan.builtin


def test_deploy_without_a_version_says_what_to_type() -> None:
    with pytest.raises(UserFacingError) as info:
        GrammarPlanner().plan("deploy api to prod", CTX)
    assert "run release environment=production repo=acme/api version=<version>" in str(info.value.hint)


def test_deploy_with_no_runbook_that_deploys_says_so() -> None:
    with pytest.raises(UserFacingError) as info:
        GrammarPlanner().plan("deploy api to prod", PlanContext(default_repo="acme/api", tool_names=TOOLS))
    assert "no deploy or release runbook" in info.value.message and info.value.suggestions == ("runbooks",)


def test_suggestions_are_deterministic_and_few() -> None:
    for text, context, _ in SUGGESTED:
        with pytest.raises(UserFacingError) as first:
            GrammarPlanner().plan(text, context)
        with pytest.raises(UserFacingError) as second:
            GrammarPlanner().plan(text, context)
        assert first.value.suggestions == second.value.suggestions and len(first.value.suggestions) <= 3


def test_the_table_is_large() -> None:
    assert len(TABLE) + len(GENERATED) + len(SEVERAL) + len(SUGGESTED) >= 150
    assert len(TABLE) + len(SEVERAL) + len(SUGGESTED) >= 100  # written one by one, not only generated
