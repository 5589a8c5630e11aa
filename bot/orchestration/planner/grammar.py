"""The offline planner: a deterministic command grammar (`<tool> key=value …` plus natural forms)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.core.domain import ToolCall
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.orchestration.planner.erp_forms import erp_forms
from bot.orchestration.planner.planner_base import Plan, PlanContext
from bot.orchestration.planner.refusals import deploy_refusal, unknown_command, which_repo

# "@opsbot list prs", "hey @opsbot, list prs": a mention of the bot with at most a greeting before it
LEADING_MENTIONS = re.compile(
    r"^\s*(?:(?:hey|hi|hello|yo|ok|okay|so|and|please|pls)\b[\s,!.:-]*)*(?:<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:!.-]*)+",
    re.I,
)
EMOJI = re.compile(r":[a-z0-9_+'-]+:|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]", re.I)
POLITE = re.compile(
    r"^(?:(?:please|pls|kindly)\s+|(?:can|could|would|will)\s+(?:you\s+)?(?:please\s+)?|i'd like you to\s+)+", re.I
)
GREETING = re.compile(r"^\s*(?:(?:hey|hi|hello|yo|ok|okay|so|and|please|pls)\b[\s,!.:-]*)+", re.I)
TRAILING = re.compile(r"[\s?!.,;]+$|\s+(?:please|pls|thanks|thank you|thx)[\s?!.,]*$", re.I)
REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"
IN_REPO = rf"(?:\s+(?:in|on|for|at|of)?\s*{REPO})?"
PR = r"(?:pr|pull request|pull|pull-request)"
NUM = rf"(?:{PR}\s*#?\s*|#)(?P<number>\d+)"  # "pr 7", "PR #7", "pull request 7", "#7"
ON_BRANCH = r"(?:\s+on\s+(?:branch\s+)?(?P<branch>[\w./-]+))?"
ITEM = rf"(?:{PR}\s*#?\s*|issue\s*#?\s*|#)(?P<number>\d+)"  # the same, or "issue 7"

PR_NUMBER_MAX = 2**31 - 1  # as integrations/github/github_args.py bounds it (importing it would import PyGithub)
BUILTINS = {"pending", "audit", "runbooks", "run", "digest", "mcp"}
HELP_WORDS = {"help", "?", "commands", "usage", "hi", "hello"}


def _natural_forms() -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, JsonObject]]]]:
    def with_repo(tool: str, **fixed: Any) -> Callable[[re.Match[str]], tuple[str, JsonObject]]:
        def build(m: re.Match[str]) -> tuple[str, JsonObject]:
            args: JsonObject = {k: v for k, v in m.groupdict().items() if v is not None}
            if isinstance(args.get("number"), str):  # a pull request's or issue's number (`pr` is left as text:
                args["number"] = pr_number("number", str(args["number"]))  # the tool's model bounds it)
            return tool, {**fixed, **args}

        return build

    def close(m: re.Match[str]) -> tuple[str, JsonObject]:
        tool, args = with_repo("close_issue")(m)
        if "reason" in args:  # "not planned", "Not-Planned" → not_planned
            args["reason"] = "_".join(re.split(r"[\s_-]+", str(args["reason"]).lower()))
        return tool, args

    failed_runs = with_repo("list_failed_workflow_runs")
    forms = [
        (
            rf"(?:list|show)\s+(?:open\s+)?(?:prs|pull requests|pulls){IN_REPO}",
            with_repo("list_pull_requests"),
        ),
        (
            rf"(?:(?:any|show|list|what(?:'?s| are| is)?)\s+)?(?:the\s+)?(?:open\s+)?(?:prs|pull requests|pulls)"
            rf"(?:\s+(?:are\s+)?(?:open|waiting|pending))?{IN_REPO}",
            with_repo("list_pull_requests"),
        ),
        (
            rf"(?:list|show)\s+(?:the\s+)?(?:(?P<state>open|closed|all)\s+)?issues{IN_REPO}"
            r"(?:\s+(?:labell?ed|with label)\s+(?P<label>[\w.:/-]+))?",
            with_repo("list_issues"),
        ),
        *(
            (
                rf"(?:(?:what(?:'?s| is| are)|whats|anything|is anything|are there any|any)\s+)?"
                rf"(?:failing|broken|red|failed|failures)(?:\s+(?:builds|runs|workflows|ci|checks))?{where}",
                failed_runs,
            )
            for where in (rf"(?:\s+(?:in|for|of)\s+{REPO})?{ON_BRANCH}", rf"{ON_BRANCH}\s+(?:in|for|of)\s+{REPO}")
        ),
        (
            rf"(?:show|get|status of|check|what'?s the status of)\s+(?:the\s+)?{NUM}{IN_REPO}",
            with_repo("get_pull_request"),
        ),
        (
            rf"merge\s+(?:the\s+)?{NUM}{IN_REPO}(?:\s+(?:with|using|by)\s+(?P<method>merge|squash|rebase))?",
            with_repo("merge_pull_request"),
        ),
        (
            rf"(?:rerun|re-run|retry)\s+(?:the\s+)?failed\s+(?:checks|jobs|ci|runs)\s+(?:on|for)\s+"
            rf"(?:{PR}\s*#?\s*|#)(?P<pr>\d+){IN_REPO}",
            with_repo("rerun_failed_jobs"),
        ),
        *(
            (rf"(?:list|show)\s+failed\s+(?:workflow\s+)?(?:runs|workflows|builds|ci){where}", failed_runs)
            for where in (rf"(?:\s+(?:in|for|of)\s+{REPO})?{ON_BRANCH}", rf"{ON_BRANCH}\s+(?:in|for|of)\s+{REPO}")
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
            rf"close\s+{ITEM}{IN_REPO}(?:\s+as\s+(?P<reason>completed|not[\s_-]planned))?"
            r"(?:\s*:\s*(?P<comment>.+))?",
            close,
        ),
        (
            rf"(?:dispatch|trigger|run)\s+workflow\s+(?P<workflow>[\w./-]+)"
            rf"(?:\s+(?:on|at)\s+(?P<ref>[\w./-]+))?{IN_REPO}",
            with_repo("dispatch_workflow"),
        ),
    ]
    forms += erp_forms(with_repo)
    return [(re.compile(rf"^\s*{pattern}\s*$", re.I | re.S), build) for pattern, build in forms]


NATURAL = _natural_forms()
# "status", "what's the status of acme/api": the open PRs and the failing runs, two reads
STATUS = re.compile(
    rf"^(?:what'?s\s+(?:the\s+)?|whats\s+(?:the\s+)?|give me\s+(?:the\s+)?|show\s+(?:the\s+)?)?"
    rf"(?:status|state of things|overview|status report)(?:\s+(?:of|for|in|on)\s+{REPO})?$",
    re.I,
)
DEPLOY = re.compile(
    rf"^(?:deploy|ship|release|roll out|push)\s+(?P<subject>[\w./@+-]+)\s+(?:to|on|into)\s+(?P<env>[\w.-]+)"
    rf"(?:\s+(?:in|for|of)\s+{REPO})?$",
    re.I,
)
# "deploy production", "deploy staging v1.4.0 in acme/api": the deploy workflow, with the environment as its input
DEPLOY_ENVIRONMENT = re.compile(
    rf"^deploy\s+(?:to\s+)?(?P<environment>[\w-]+)(?:\s+(?:at|from|on)?\s*(?P<ref>(?!in\b)[\w./-]+))?{IN_REPO}$", re.I
)
STATUS_TOOLS = ("list_pull_requests", "list_failed_workflow_runs")


class GrammarPlanner:
    """Deterministic: the same text always gives the same plan. Risk is never decided here."""

    name = "command grammar"

    def plan(self, text: str, context: PlanContext) -> Plan:
        return _plan(text, context, probe=False)


def _plan(text: str, context: PlanContext, *, probe: bool) -> Plan:
    """`probe`: only whether `text` plans (checking a suggestion), so a refusal carries no suggestions of its own."""
    text = clean(text, bot_user_id=context.bot_user_id, bot_name=context.bot_name)
    if not text or text.lower() in HELP_WORDS:
        return Plan(help=True)
    head, _, rest = text.partition(" ")
    if head.lower() in BUILTINS and not rest.lower().startswith("workflow "):
        return Plan(builtin=head.lower(), query=rest.strip())
    for pattern, build in NATURAL:
        match = pattern.match(text)
        if match:
            tool, args = build(match)
            if tool in context.tool_names:
                return Plan(calls=(_call(text, tool, args, context, probe),))
    if (wanted := DEPLOY_ENVIRONMENT.match(text)) and "dispatch_workflow" in context.tool_names:
        deploy: JsonObject = {k: v for k, v in wanted.groupdict().items() if v and k != "environment"}
        deploy |= {"workflow": context.deploy_workflow, "inputs": {"environment": wanted["environment"]}}
        return Plan(calls=(_call(text, "dispatch_workflow", deploy, context, probe),))
    if (status := STATUS.match(text)) and all(t in context.tool_names for t in STATUS_TOOLS):
        named: JsonObject = {"repo": status["repo"]} if status["repo"] else {}
        return Plan(calls=tuple(_call(text, tool, named, context, probe) for tool in STATUS_TOOLS))
    if (wanted := DEPLOY.match(text)) is not None:
        where = replace(context, default_repo=wanted["repo"]) if wanted["repo"] else context
        raise deploy_refusal(text, wanted["subject"], wanted["env"], where)
    if head in context.tool_names:
        return Plan(calls=(_call(text, head, parse_key_values(rest), context, probe),))
    if probe:
        raise UserFacingError("not a command")
    raise unknown_command(text, context, lambda typed: _plan(typed, context, probe=True))


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


def clean(text: str, *, bot_user_id: str | None = None, bot_name: str | None = None) -> str:
    """The request in a message: without the bot's mention (anywhere, when its id is known; else at the start,
    after a greeting), emoji, a polite "can you" and trailing punctuation; other mentions are kept
    (`audit <@U2>`). `@opsbot` typed as text (a slash command, a DM) counts as the mention when `bot_name` is
    given."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s,:!.-]*", " ", text)
    if bot_name:
        text = re.sub(rf"(?<![\w<])@{re.escape(bot_name)}\b[\s,:!.-]*", " ", text, flags=re.I)
    text = GREETING.sub(" ", LEADING_MENTIONS.sub(" ", text))
    text = " ".join(EMOJI.sub(" ", text).split())
    text = POLITE.sub("", text)
    while (stripped := TRAILING.sub("", text)) != text:
        text = stripped
    return text.strip()


def parse_key_values(text: str) -> JsonObject:
    """`repo=acme/api number=42 inputs.env=prod` → {"repo": …, "number": "42", "inputs": {"env": "prod"}}."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UserFacingError(f"I could not read the arguments: {exc}.", hint="Quote values with spaces.") from None
    args: JsonObject = {}
    positional = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            positional.append(word)
            continue
        target = args
        *parents, leaf = key.split(".")
        for parent in parents:
            inner = target.setdefault(parent, {})
            if not isinstance(inner, dict):
                raise UserFacingError(f"`{key}` mixes a value and nested values.")
            target = inner
        target[leaf] = value
    if positional:
        # One bare owner/name is the repository, the common case (`/ops list_pull_requests acme/api`).
        if len(positional) == 1 and "/" in positional[0] and "repo" not in args:
            args["repo"] = positional[0]
        else:
            raise UserFacingError(
                f"I did not understand {' '.join(f'`{p}`' for p in positional)}.",
                hint="Give arguments as `key=value`, e.g. `number=42`.",
            )
    return args


def _call(text: str, tool: str, args: JsonObject, context: PlanContext, probe: bool) -> ToolCall:
    """The call, with the channel's default repository for a tool that takes one; a tool that needs a repository
    the request does not name, in a channel without a default, is a question with a button per known one."""
    args = _with_repo(tool, args, context)
    if "repo" not in args and tool in context.repo_tools and context.default_repo is None:
        if probe:
            raise UserFacingError("no repository")
        raise which_repo(text, tool, args, context, lambda typed: _plan(typed, context, probe=True))
    return ToolCall(tool=tool, args=args)


def _with_repo(tool: str, args: JsonObject, context: PlanContext) -> JsonObject:
    takes_repo = tool in context.repo_tools or not context.repo_tools  # no list given: assume it does
    if "repo" in args or context.default_repo is None or not takes_repo:
        return args
    return {**args, "repo": context.default_repo}
