"""The grammar meets people halfway (issue 17, item 4): the bot's mention anywhere, any case, emoji, "can you …
please?", every way of writing a PR number, and common phrasings ("what's failing", "status", "deploy … to …") give
the same command — or, when nothing matches, the closest whole commands as one-click suggestions. Tables: each
phrasing with the call(s) it must plan (`None`: it must stay a clear "I don't know" reply, never a wrong call), and
each phrasing that is not a command with the suggestions it must get, every one of which plans."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest

from bot.core.errors import UserFacingError
from bot.orchestration.planner.builtin_forms import does_something
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
REASON = "not_planned"
LIST: tuple[str, dict[str, Any]] = ("list_pull_requests", {"repo": "acme/api"})
FAILING: tuple[str, dict[str, Any]] = ("list_failed_workflow_runs", {"repo": "acme/api"})
DEPLOYS: dict[str, Any] = {"repo": "acme/api", "workflow": "deploy.yml"}
DEPLOY_PROD: tuple[str, dict[str, Any]] = ("dispatch_workflow", {**DEPLOYS, "inputs": {"environment": "production"}})
RERUN_8: tuple[str, dict[str, Any]] = ("rerun_failed_jobs", {"pr": "8", "repo": "acme/api"})
SHOW_7: tuple[str, dict[str, Any]] = ("get_pull_request", {"number": 7, "repo": "acme/api"})
MAIN: tuple[str, dict[str, Any]] = ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "main"})
ISSUES: tuple[str, dict[str, Any]] = ("list_issues", {"repo": "acme/api"})

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
    # Reruns, as the digest's "Rerun #8" button says it (they used to get "Did you mean `run #8`?")
    ("rerun #8", RERUN_8),
    ("rerun pr 8", RERUN_8),
    ("re-run #8", RERUN_8),
    ("re run pr #8", RERUN_8),
    ("rerun ci on #8", RERUN_8),
    ("retry #8", RERUN_8),
    ("rerun the failed jobs on #8", RERUN_8),
    ("rerun checks for pr 8 in acme/api", RERUN_8),
    ("rerun failed jobs on pr 8", RERUN_8),
    ("Rerun #8", RERUN_8),
    ("opsbot, rerun #8 pls", RERUN_8),
    ("rerun the ci jobs for pull request 8 in acme/web", ("rerun_failed_jobs", {"pr": "8", "repo": "acme/web"})),
    ("retry failing checks on PR #8 🙏", RERUN_8),
    ("rerun run 123456789", ("rerun_failed_jobs", {"run_id": "123456789", "repo": "acme/api"})),
    ("rerun workflow run #123456789", ("rerun_failed_jobs", {"run_id": "123456789", "repo": "acme/api"})),
    ("rerun", None),
    ("rerun everything", None),
    ("rerun 8", None),  # a bare number: suggested, not planned
    # The status of a branch: its failing runs, as "what's failing on main"
    ("status of main", MAIN),
    ("status of the main branch", MAIN),
    ("what's the status of main in acme/web", ("list_failed_workflow_runs", {"repo": "acme/web", "branch": "main"})),
    ("status of branch feature-x", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "feature-x"})),
    ("status of release/1.4", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "release/1.4"})),
    ("status on master?", ("list_failed_workflow_runs", {"repo": "acme/api", "branch": "master"})),
    ("status of ci", FAILING),
    ("ci status", FAILING),
    ("what's the build status on main", MAIN),
    ("ci status of acme/web", ("list_failed_workflow_runs", {"repo": "acme/web"})),
    ("is main green?", MAIN),
    ("is the main branch broken", MAIN),
    ("is ci green", FAILING),
    ("how's main doing?", MAIN),
    ("status of foo", None),  # neither a repository nor a branch opsbot can tell: suggestions
    ("is foo green", None),
    # Opening words, "pls", emoji
    ("opsbot, list prs", LIST),
    ("opsbot list prs", LIST),
    ("OpsBot: merge pr 7", MERGE_7),
    ("hey opsbot, can you merge #7 pls", MERGE_7),
    ("opsbotx list prs", None),  # another name
    ("merge #7 plz", MERGE_7),
    ("merge #7 :shipit:", MERGE_7),
    # Merges with their method said first or last
    ("squash merge #7", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": "squash"})),
    ("squash and merge pr 7", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": "squash"})),
    ("rebase and merge #7 in acme/web", ("merge_pull_request", {"number": 7, "repo": "acme/web", "method": REB})),
    ("merge #7 squash", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": "squash"})),
    ("merge #7 via a squash merge", ("merge_pull_request", {"number": 7, "repo": "acme/api", "method": "squash"})),
    ("merge 7", None),  # a bare number: suggested, not planned
    ("merge them all", None),
    # Closing
    ("close the issue 9", ("close_issue", {"number": 9, "repo": "acme/api"})),
    ("pls close issue #9 as not planned 🙏", ("close_issue", {"number": 9, "repo": "acme/api", "reason": REASON})),
    ("close", None),
    ("close it", None),
    # Lists
    ("list all prs", ("list_pull_requests", {"repo": "acme/api", "state": "all"})),
    ("list closed prs in acme/web", ("list_pull_requests", {"repo": "acme/web", "state": "closed"})),
    ("show me the open prs", LIST),
    ("show me open prs in acme/web", ("list_pull_requests", {"repo": "acme/web"})),
    ("give me the pull requests", LIST),
    ("open issues", ("list_issues", {"repo": "acme/api", "state": "open"})),
    ("show me issues", ISSUES),
    ("issues in acme/web", ("list_issues", {"repo": "acme/web"})),
    ("issues labelled bug", ("list_issues", {"repo": "acme/api", "label": "bug"})),
    ("show issues labeled bug in acme/web", ("list_issues", {"repo": "acme/web", "label": "bug"})),
    ("list issues with the label ci", ("list_issues", {"repo": "acme/api", "label": "ci"})),
    ("what issues are open?", ISSUES),
    ("any open issues", ("list_issues", {"repo": "acme/api", "state": "open"})),
    ("list my prs", None),  # no author filter: suggested
    # One PR's details
    ("pr 7", SHOW_7),
    ("PR #7?", SHOW_7),
    ("show me pr 7", SHOW_7),
    ("details of pr 7", SHOW_7),
    ("pr 7 details", SHOW_7),
    ("show #7 details", SHOW_7),
    ("what's up with #7", SHOW_7),
    ("tell me about pr 7", SHOW_7),
    ("info on #7 in acme/web", ("get_pull_request", {"number": 7, "repo": "acme/web"})),
    ("look at #7", SHOW_7),
    ("view pr 7", SHOW_7),
    ("describe pull request 7", SHOW_7),
    ("#7", None),  # a PR or an issue: suggested
    ("open pr 7", None),  # open it where? suggested
    # Workflows by their file
    ("dispatch deploy.yml", ("dispatch_workflow", {"workflow": "deploy.yml", "repo": "acme/api"})),
    ("run deploy.yml on main", ("dispatch_workflow", {"workflow": "deploy.yml", "ref": "main", "repo": "acme/api"})),
    ("trigger ci.yaml in acme/web", ("dispatch_workflow", {"workflow": "ci.yaml", "repo": "acme/web"})),
    ("deploy to staging pls", ("dispatch_workflow", {**DEPLOYS, "inputs": {"environment": "staging"}})),
    ("dispatch", None),
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
    ("opsbot, status?", STATUS), ("what's the status of acme/web pls", WEB_STATUS), ("status in acme/web", WEB_STATUS),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), SEVERAL)
def test_a_phrasing_plans_several_reads(text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    plan = GrammarPlanner().plan(text, CTX)
    assert [(c.tool, c.args) for c in plan.calls] == expected


# Builtins by their phrasings: (builtin, query), or "help"
BUILTIN: list[tuple[str, tuple[str, str] | str]] = [
    ("what's pending", ("pending", "")), ("show pending", ("pending", "")), ("any pending approvals?", ("pending", "")),
    ("list pending approvals", ("pending", "")), ("what needs my approval", ("pending", "")),
    ("opsbot, pending pls", ("pending", "")), ("is anything pending", ("pending", "")),
    ("list runbooks", ("runbooks", "")), ("show me the runbooks", ("runbooks", "")),
    ("what runbooks are there?", ("runbooks", "")), ("which playbooks can you run", ("runbooks", "")),
    ("what can you run", ("runbooks", "")),
    ("list digests", ("digest", "list")), ("show the digests", ("digest", "list")), ("digests", ("digest", "list")),
    ("audit log for today", ("audit", "today")), ("show me the audit trail for today", ("audit", "today")),
    ("audit for <@U2>", ("audit", "<@U2>")), ("audit trail of @ana", ("audit", "@ana")),
    ("audit log", ("audit", "")),  # "Which trail?", from the audit itself
    ("audit 3f2a9c1d", ("audit", "3f2a9c1d")),
    ("run release version=1.4.0 repo=acme/api", ("run", "release version=1.4.0 repo=acme/api")),
    ("run #8", ("run", "#8")),  # typed, the runbooks answer ("There is no runbook called…"); never suggested
    ("help me", "help"), ("what can you do?", "help"), ("opsbot help", "help"), ("list commands", "help"),
    ("how do I use you", "help"), ("help pls", "help"), ("opsbot", "help"), ("help merge", "help"),
    ("help with digests", "help"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), BUILTIN)
def test_a_phrasing_asks_for_a_builtin(text: str, expected: tuple[str, str] | str) -> None:
    plan = GrammarPlanner().plan(text, CTX)
    assert (plan.help if expected == "help" else (plan.builtin, plan.query) == expected) and not plan.calls


@pytest.mark.parametrize(
    ("command", "real"),
    [
        ("run release version=1.4.0 repo=acme/api", True), ("run release", False), ("run #8", False),
        ("run deploy-api", False), ("run release version=1 repo=acme/api environment=qa", False),  # not a choice
        ("run release version=1 repo=acme/api colour=red", False), ("run", True), ("runbooks", True),
        ("audit today", True), ("audit", False), ("audit log", False), ("audit <@U2>", True), ("audit foo", False),
        ("digest", True), ("digest list", True), ("digest my prs", False), ("digest remove 3f2a9c1d", True),
        ("digest add daily 09:00 UTC prs acme/api", True), ("pending", True), ("mcp token list", True),
        ("mcp frobnicate", False), ("help", False), ("list prs", True),
    ],
)  # fmt: skip
def test_a_builtin_does_something_only_with_an_argument_it_reads(command: str, real: bool) -> None:
    assert does_something(GrammarPlanner().plan(command, CTX), CTX) is real


@pytest.mark.parametrize("command", ["digest list", "run release version=1.4.0 repo=acme/api", "mcp token list"])
def test_a_builtin_this_opsbot_does_not_serve_does_nothing(command: str) -> None:
    bare = replace(CTX, builtins=frozenset({"pending", "audit"}))  # no digests, runbooks nor MCP tokens set up
    assert does_something(GrammarPlanner().plan(command, CTX), CTX)
    assert not does_something(GrammarPlanner().plan(command, bare), bare)


DEPLOY_1_4 = "run release environment=production repo=acme/api version=1.4.0"
# Not a command: what it gets, as buttons (the first is the closest).
SUGGESTED: list[tuple[str, PlanContext, tuple[str, ...]]] = [
    ("mrege pr 7", CTX, ("merge pr 7",)),
    ("merg #7", CTX, ("merge #7",)),
    ("lsit prs", CTX, ("list prs",)),
    ("lsit", CTX, ("list prs", "list issues")),  # the corrected word alone is no command: what it lists
    ("shwo", CTX, ("list prs",)),  # "Which one? Say it with its number, e.g. `show pr 7`"
    ("show pr <number> in acme/api", CTX, ("list prs", "list issues")),  # the help card's placeholder, typed
    ("close issue &lt;number&gt; in acme/api", CTX, ("list prs", "list issues")),  # as Slack sends it
    ("list", CTX, ("list prs", "list issues")),
    ("comment on #7 looks good", CTX, ("comment on #7: looks good",)),  # the `:` that was missing
    ("comment on pr 7 in acme/web ship it", CTX, ("comment on pr 7 in acme/web: ship it",)),
    ("lits prs in acme/web", CTX, ("list prs in acme/web",)),
    ("ship #7", CTX, ("merge pr 7", "show pr 7")),
    ("land pr 7 in acme/web", CTX, ("merge pr 7 in acme/web",)),
    ("restart ci on #8", CTX, ("rerun failed jobs on pr 8",)),
    ("rerun 8", CTX, ("rerun failed jobs on pr 8",)),
    ("rerun", CTX, ("list prs",)),  # never `run`: "rerun" is a command word, not a typo of one
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
    ("rerun #8", NO_DEFAULT, ("rerun #8 in acme/api", "rerun #8 in acme/web")),
    ("status of main", NO_DEFAULT, ("status of main in acme/api", "status of main in acme/web")),
    # "status of <word>": the repository of that name, a branch it is a typo of, or that word as a branch
    ("status of web", CTX, ("status of acme/web", "what's failing on web", "status")),
    ("status of mian", CTX, ("status of main", "what's failing on mian", "status")),
    ("status of foo", CTX, ("what's failing on foo", "status")),
    ("status of 7", CTX, ("show pr 7", "status")),
    ("status of foo", NO_DEFAULT, ("what's failing on foo in acme/api", "what's failing on foo in acme/web")),
    ("what's the status of foo in acme/web", CTX, ("what's failing on foo in acme/web", "status in acme/web")),
    ("merge 7", CTX, ("merge pr 7",)),
    ("show 7", CTX, ("show pr 7",)),
    ("#7", CTX, ("show pr 7",)),
    ("open pr 7", CTX, ("list prs", "show pr 7")),  # not a merge: nothing says merge
    ("re run 8", CTX, ("rerun failed jobs on pr 8",)),
    ("rerun build #5512", CTX, ("rerun run 5512", "rerun failed jobs on pr 5512")),  # GitHub's run number, or a PR
    ("rerun the failed run #5512", CTX, ("rerun failed jobs on pr 5512",)),
    ("list my prs", CTX, ("list prs",)),  # not `digest my prs`: digest reads no "my prs"
    ("could you merge pr 7 for me", CTX, ("merge pr 7",)),
    ("close bug 9", CTX, ("close issue 9",)),
    # A runbook is offered only when it is one this context knows, with what it requires
    ("rnu release version=1.4.0 repo=acme/api", CTX, ("run release version=1.4.0 repo=acme/api",)),
    ("rnu release", CTX, ("runbooks",)),  # `run release` lacks `version` and `repo`
    ("audti today", CTX, ("audit today",)),
    ("audti log", CTX, ("audit today",)),  # not `audit log`: the audit reads no "log"
    ("digets list", CTX, ("digest list", "digest")),
    ("digets foo", CTX, ("digest",)),  # not `digest foo`
]


@pytest.mark.parametrize(("text", "context", "expected"), SUGGESTED)
def test_what_is_not_a_command_gets_the_closest_commands_as_buttons(
    text: str, context: PlanContext, expected: tuple[str, ...]
) -> None:
    with pytest.raises(UserFacingError) as info:
        GrammarPlanner().plan(text, context)
    assert tuple(info.value.suggestions[: len(expected)]) == expected
    assert info.value.hint is not None and all(f"`{s}`" in info.value.hint for s in info.value.suggestions[:1])
    for command in info.value.suggestions:  # a click never meets a second "I don't know", nor "no runbook `#8`"
        assert does_something(GrammarPlanner().plan(command, context), context), command


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
    assert len(TABLE) + len(GENERATED) + len(SEVERAL) + len(SUGGESTED) + len(BUILTIN) >= 150
    assert len(TABLE) + len(SEVERAL) + len(SUGGESTED) + len(BUILTIN) >= 100  # written one by one, not generated
