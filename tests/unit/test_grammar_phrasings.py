"""The grammar meets people halfway (issue 17, item 4): the bot's mention anywhere, any case, emoji, "can you …
please?", every way of writing a PR number, and common phrasings ("what's failing", "status", "deploy … to …") give
the same command — or, when nothing matches, the closest whole commands as one-click suggestions. Tables: each
phrasing with the call(s) it must plan (`None`: it must stay a clear "I don't know" reply, never a wrong call). The
builtins and the suggestions for what is not a command are in test_grammar_suggestions.py."""

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
