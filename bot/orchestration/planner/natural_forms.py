"""The GitHub requests the grammar reads in plain words ("merge #7", "rerun ci on pr 8", "show me the open prs"):
each a pattern and the tool call it builds. A risky request names its number or target; nothing here is guessed
from vague text (that gets suggestions, see refusals.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import unentity
from bot.orchestration.planner.erp_forms import erp_forms

REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"
IN_REPO = rf"(?:\s+(?:in|on|for|at|of)?\s*{REPO})?"
PR = r"(?:pr|pull request|pull|pull-request)"
NUM = rf"(?:{PR}\s*#?\s*|#)(?P<number>\d+)"  # "pr 7", "PR #7", "pull request 7", "#7"
ON_BRANCH = r"(?:\s+on\s+(?:branch\s+)?(?P<branch>[\w./-]+))?"
ITEM = rf"(?:{PR}\s*#?\s*|issue\s*#?\s*|#)(?P<number>\d+)"  # the same, or "issue 7"
SHOW_ME = r"(?:show(?:\s+me)?|list|get|give me)"
# what a rerun is of: "rerun #8", "rerun ci on pr 8", "retry the failed jobs for #8", "re-run checks for pr 8"
RERUN = r"(?:rerun|re-run|re\s+run|retry)"
RERUN_WHAT = r"(?:(?:failed|failing|red|broken)\s+)?(?:(?:ci|checks?|jobs?|runs?|builds?|workflows?|tests?)\s+)*"
# …but "rerun build #5512", "rerun the failed run #5512" name a run (GitHub shows a run's number after #), not a PR:
# after those words a PR is said as one ("on #8", "pr 8")
RERUN_PR_WHAT = r"(?:(?:failed|failing|red|broken)\s+)?(?:(?:ci|checks?|jobs?|tests?)\s+)*"
WHERE = (rf"(?:\s+(?:in|for|of)\s+{REPO})?{ON_BRANCH}", rf"{ON_BRANCH}\s+(?:in|for|of)\s+{REPO}")
WORKFLOW_FILE = r"[\w./-]+\.ya?ml"
LABEL = r"(?:\s+(?:labell?ed|with(?:\s+the)?\s+label)\s+(?P<label>[\w.:/-]+))?"

PR_NUMBER_MAX = 2**31 - 1  # as integrations/github/github_args.py bounds it (importing it would import PyGithub)

Form = tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, JsonObject]]]


def pr_number(name: str, digits: str) -> int:
    """The number in `digits`, if it can be a pull request's or an issue's; else a clear reply (a 5,000-digit
    number is refused here, before `int()` would refuse it with a ValueError)."""
    significant = digits.lstrip("0")
    if not significant or len(significant) > len(str(PR_NUMBER_MAX)) or int(significant) > PR_NUMBER_MAX:
        raise UserFacingError(
            f"`{name}` must be between 1 and {PR_NUMBER_MAX}.",
            hint="Pull request and issue numbers are the ones GitHub shows after #.",
        )
    return int(significant)


def with_repo(tool: str, **fixed: Any) -> Callable[[re.Match[str]], tuple[str, JsonObject]]:
    """The call `tool` with the pattern's named groups as arguments (a PR's or issue's `number` as an int, a merge
    `method` in lower case; `pr` is left as text: the tool's model bounds it)."""

    def build(m: re.Match[str]) -> tuple[str, JsonObject]:
        args: JsonObject = {k: unentity(v) for k, v in m.groupdict().items() if v is not None}
        if isinstance(args.get("number"), str):
            args["number"] = pr_number("number", str(args["number"]))
        if isinstance(args.get("method"), str):
            args["method"] = str(args["method"]).lower()
        return tool, {**fixed, **args}

    return build


def _close(m: re.Match[str]) -> tuple[str, JsonObject]:
    tool, args = with_repo("close_issue")(m)
    if "reason" in args:  # "not planned", "Not-Planned" → not_planned
        args["reason"] = "_".join(re.split(r"[\s_-]+", str(args["reason"]).lower()))
    return tool, args


def natural_forms() -> list[Form]:
    failed_runs = with_repo("list_failed_workflow_runs")
    show_pr = with_repo("get_pull_request")
    list_issues = with_repo("list_issues")
    forms: list[tuple[str, Callable[[re.Match[str]], tuple[str, JsonObject]]]] = [
        (
            rf"{SHOW_ME}\s+(?:the\s+)?(?:open\s+|(?P<state>closed|all)\s+)?(?:prs|pull requests|pulls)"
            rf"{IN_REPO}",
            with_repo("list_pull_requests"),
        ),
        (
            rf"(?:(?:any|show|list|what(?:'?s| are| is)?)\s+)?(?:the\s+)?(?:open\s+)?(?:prs|pull requests|pulls)"
            rf"(?:\s+(?:are\s+)?(?:open|waiting|pending))?{IN_REPO}",
            with_repo("list_pull_requests"),
        ),
        *(
            (rf"{verbs}(?:the\s+)?(?:(?P<state>open|closed|all)\s+)?issues(?:\s+are\s+open)?{where}", list_issues)
            for verbs in (rf"{SHOW_ME}\s+", r"(?:(?:any|what(?:'?s| are| is)?)\s+)?")
            for where in (IN_REPO + LABEL, LABEL + IN_REPO)
        ),
        *(
            (
                rf"(?:(?:what(?:'?s| is| are)|whats|anything|is anything|are there any|any)\s+)?"
                rf"(?:failing|broken|red|failed|failures)(?:\s+(?:builds|runs|workflows|ci|checks))?{where}",
                failed_runs,
            )
            for where in WHERE
        ),
        (
            rf"(?:show(?:\s+me)?|get|view|describe|check|look at|tell me about|what'?s up with|(?:what'?s\s+)?"
            rf"(?:the\s+)?status of|(?:the\s+)?(?:details|info)\s+(?:of|for|on|about))\s+(?:the\s+)?{NUM}{IN_REPO}",
            show_pr,
        ),
        (  # "pr 7 details", "show #7 details"
            rf"(?:show\s+(?:me\s+)?(?:the\s+)?)?(?:{PR}\s*#?\s*|#)(?P<number>\d+){IN_REPO}\s+(?:details|info|status)",
            show_pr,
        ),
        (rf"{PR}\s*#?\s*(?P<number>\d+){IN_REPO}", show_pr),  # "pr 7" (a bare "#7" may be an issue: suggested)
        (
            rf"merge\s+(?:the\s+)?{NUM}{IN_REPO}"
            r"(?:\s+(?:(?:with|using|by|via)\s+)?(?:a\s+)?(?P<method>merge|squash|rebase)(?:\s+merge)?)?",
            with_repo("merge_pull_request"),
        ),
        (  # "squash merge #7", "rebase and merge pr 7"
            rf"(?P<method>squash|rebase)(?:\s+and)?\s+merge\s+(?:the\s+)?{NUM}{IN_REPO}",
            with_repo("merge_pull_request"),
        ),
        (  # "rerun run 123456": a workflow run by its id
            rf"{RERUN}\s+(?:the\s+)?(?:failed\s+jobs\s+(?:of|in|on)\s+)?(?:workflow\s+)?run\s+#?(?P<run_id>\d+){IN_REPO}",
            with_repo("rerun_failed_jobs"),
        ),
        (
            rf"{RERUN}\s+(?:the\s+)?{RERUN_PR_WHAT}(?:(?:on|for|of|in)\s+(?:the\s+)?)?(?:{PR}\s*#?\s*|#)(?P<pr>\d+)"
            rf"{IN_REPO}",
            with_repo("rerun_failed_jobs"),
        ),
        (
            rf"{RERUN}\s+(?:the\s+)?{RERUN_WHAT}(?:(?:on|for|of|in)\s+(?:the\s+)?(?:{PR}\s*#?\s*|#)|{PR}\s*#?\s*)"
            rf"(?P<pr>\d+){IN_REPO}",
            with_repo("rerun_failed_jobs"),
        ),
        *(
            (rf"(?:list|show)\s+failed\s+(?:workflow\s+)?(?:runs|workflows|builds|ci){where}", failed_runs)
            for where in WHERE
        ),
        (
            rf"(?:create|open|file|new)\s+(?:an\s+)?issue{IN_REPO}\s*:\s*(?P<title>.+)",
            with_repo("create_issue"),
        ),
        (
            rf"comment\s+on\s+{ITEM}{IN_REPO}\s*:\s*(?P<body>.+)",
            with_repo("comment"),
        ),
        (
            rf"close\s+(?:the\s+)?{ITEM}{IN_REPO}(?:\s+as\s+(?P<reason>completed|not[\s_-]planned))?"
            r"(?:\s*:\s*(?P<comment>.+))?",
            _close,
        ),
        (
            rf"(?:dispatch|trigger|run)\s+(?:the\s+)?(?:workflow\s+(?P<workflow>[\w./-]+)|(?P<file>{WORKFLOW_FILE}))"
            rf"(?:\s+(?:on|at)\s+(?P<ref>[\w./-]+))?{IN_REPO}",
            _dispatch,
        ),
    ]
    forms += erp_forms(with_repo)
    return [(re.compile(rf"^\s*{pattern}\s*$", re.I | re.S), build) for pattern, build in forms]


def _dispatch(m: re.Match[str]) -> tuple[str, JsonObject]:
    """"dispatch workflow ci.yml", or the file alone ("run deploy.yml on main"): a workflow by its file's name."""
    tool, args = with_repo("dispatch_workflow")(m)
    if "file" in args:
        args["workflow"] = args.pop("file")
    return tool, args
