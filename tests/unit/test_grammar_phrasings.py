"""The grammar meets people halfway (issue 17, item 4, in part): the bot's mention anywhere after a greeting, any
case, emoji, "can you … please?", and every way of writing a PR number give the same command. A table: each
phrasing with the call it must plan (`None`: it must stay a clear "I don't know" reply, never a wrong call)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.core.errors import UserFacingError
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext

TOOLS = (
    "close_issue", "comment", "create_issue", "dispatch_workflow", "get_pull_request", "list_failed_workflow_runs",
    "list_pull_requests", "merge_pull_request", "rerun_failed_jobs",
)  # fmt: skip
CTX = PlanContext(default_repo="acme/api", tool_names=TOOLS, repo_tools=frozenset(TOOLS))
MERGE_7: tuple[str, dict[str, Any]] = ("merge_pull_request", {"number": 7, "repo": "acme/api"})
REB = "rebase"
LIST: tuple[str, dict[str, Any]] = ("list_pull_requests", {"repo": "acme/api"})

# Said to opsbot: who is addressed, then the request, then how it ends.
OPENINGS = ("", "<@W1> ", "hey <@W1> ", "Hey <@W1>, ", "hi <@W1>: ", "<@W1> can you ", ":rocket: ", "🚀 ", "please ",
            "can you ", "could you please ", "<@W1> 🙏 ")  # fmt: skip
MERGES = ("merge pr 7", "merge #7", "merge PR #7", "merge pull request 7", "Merge PR#7", "MERGE PR 7", "merge the pr 7")
ENDINGS = ("", "?", "!", " please", " 🙏", " thanks!", " :pray:", ".")

GENERATED = [(f"{o}{m}{e}", MERGE_7) for o, m, e in itertools.product(OPENINGS, MERGES, ENDINGS)]

TABLE: list[tuple[str, tuple[str, dict[str, Any]] | None]] = [
    ("can you merge #7?", MERGE_7),
    ("<@W1> LIST PRS", LIST),
    ("@opsbot list prs", None),  # a handle typed as text is not a mention: not planned as something else
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


def test_the_table_is_large() -> None:
    assert len(TABLE) + len(GENERATED) >= 150
