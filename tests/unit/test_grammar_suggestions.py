"""The grammar's builtins by their phrasings, and what is not a command: the closest whole commands as one-click
suggestions (issue 17, item 4), each of which plans to something that works here. The phrasings that plan tool
calls are in test_grammar_phrasings.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.errors import UserFacingError
from bot.orchestration.planner.builtin_forms import does_something
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext
from tests.unit.test_grammar_phrasings import CTX, GENERATED, NO_DEFAULT, SEVERAL, TABLE, TOOLS

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
