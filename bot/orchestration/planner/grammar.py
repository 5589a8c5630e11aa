"""The offline planner: a deterministic command grammar (`<tool> key=value …` plus natural forms)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

from bot.core.domain import ToolCall
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.suggest import did_you_mean
from bot.orchestration.planner.planner_base import Plan, PlanContext

# "@opsbot list prs", "hey @opsbot, list prs": a mention of the bot with at most a greeting before it
LEADING_MENTIONS = re.compile(
    r"^\s*(?:(?:hey|hi|hello|yo|ok|okay|so|and|please|pls)\b[\s,!.:-]*)*(?:<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:!.-]*)+",
    re.I,
)
EMOJI = re.compile(r":[a-z0-9_+'-]+:|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]", re.I)
POLITE = re.compile(
    r"^(?:(?:please|pls|kindly)\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?|i'd like you to\s+)+", re.I
)
TRAILING = re.compile(r"[\s?!.,;]+$|\s+(?:please|pls|thanks|thank you|thx)[\s?!.,]*$", re.I)
REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"
IN_REPO = rf"(?:\s+(?:in|on|for|at|of)?\s*{REPO})?"
PR = r"(?:pr|pull request|pull|pull-request)"
NUM = rf"(?:{PR}\s*#?\s*|#)(?P<number>\d+)"  # "pr 7", "PR #7", "pull request 7", "#7"
ITEM = rf"(?:{PR}\s*#?\s*|issue\s*#?\s*|#)(?P<number>\d+)"  # the same, or "issue 7"

PR_NUMBER_MAX = 2**31 - 1  # as integrations/github/github_args.py bounds it (importing it would import PyGithub)
BUILTINS = {"pending", "audit", "runbooks", "run", "digest"}
HELP_WORDS = {"help", "?", "commands", "usage", "hi", "hello"}
VERBS = (
    "list",
    "show",
    "get",
    "merge",
    "create",
    "open",
    "close",
    "rerun",
    "comment",
    "dispatch",
    "run",
    "help",
    *BUILTINS,
)


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

    forms = [
        (
            rf"(?:list|show)\s+(?:open\s+)?(?:prs|pull requests|pulls){IN_REPO}",
            with_repo("list_pull_requests"),
        ),
        (rf"(?:show|get|status of|check)\s+(?:the\s+)?{NUM}{IN_REPO}", with_repo("get_pull_request")),
        (
            rf"merge\s+(?:the\s+)?{NUM}{IN_REPO}(?:\s+(?:with|using|by)\s+(?P<method>merge|squash|rebase))?",
            with_repo("merge_pull_request"),
        ),
        (
            rf"(?:rerun|re-run|retry)\s+(?:the\s+)?failed\s+(?:checks|jobs|ci|runs)\s+(?:on|for)\s+"
            rf"(?:{PR}\s*#?\s*|#)(?P<pr>\d+){IN_REPO}",
            with_repo("rerun_failed_jobs"),
        ),
        (
            rf"(?:list|show)\s+failed\s+(?:workflow\s+)?(?:runs|workflows|builds|ci)"
            rf"(?:\s+(?:in|for|of)\s+{REPO})?"
            r"(?:\s+on\s+(?P<branch>[\w./-]+))?",
            with_repo("list_failed_workflow_runs"),
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
    forms += _erp_forms(with_repo)
    return [(re.compile(rf"^\s*{pattern}\s*$", re.I | re.S), build) for pattern, build in forms]


def _erp_forms(with_repo: Callable[..., Callable[[re.Match[str]], tuple[str, JsonObject]]]) -> list[Any]:
    """ERP requests in plain words (the tools exist only when an ERP is configured)."""
    quantity = r"(?P<quantity>\d+(?:\.\d+)?)"
    return [
        (
            r"(?:erp\s+)?(?:show\s+|get\s+|(?:what'?s\s+)?(?:the\s+)?status\s+of\s+)?(?:sales?\s+)?order\s+"
            r"(?P<order>[A-Z]{1,4}[/-]?\d+)\s*\??",
            with_repo("erp_get_order"),
        ),
        (r"erp\s+orders(?:\s+(?:for|of)\s+(?P<customer>.+?))?", with_repo("erp_list_orders")),
        (r"erp\s+overdue(?:\s+(?:for\s+)?(?P<customer>.+?))?", with_repo("erp_overdue_invoices")),
        (
            r"(?:which|what|list|show)\s+(?:invoices\s+are\s+overdue|overdue\s+invoices)"
            r"(?:\s+(?:for|of|from)\s+(?P<customer>.+?))?\s*\??",
            with_repo("erp_overdue_invoices"),
        ),
        (r'erp\s+stock\s+(?:of\s+|for\s+)?"?(?P<product>[^"]+?)"?', with_repo("erp_stock_level")),
        (r"erp\s+(?:partner|find)\s+(?P<query>.+)", with_repo("erp_find_partner")),
        (
            rf"(?:raise|create|make|open)\s+(?:a\s+)?(?:purchase\s+request|purchase\s+order|po)\s+for\s+{quantity}\s+"
            r"(?P<product>.+?)\s+from\s+(?P<supplier>.+?)(?:\s+at\s+(?P<unit_price>\d+(?:\.\d+)?)(?:\s*each)?)?\s*\.?",
            with_repo("erp_create_purchase_request"),
        ),
        (r"erp\s+confirm\s+(?:sale\s+)?(?:order\s+)?(?P<order>\S+)", with_repo("erp_confirm_sale")),
        (r"(?:erp\s+)?approve\s+purchase\s+(?:order\s+)?(?P<purchase>\S+)", with_repo("erp_approve_purchase")),
    ]


NATURAL = _natural_forms()


class GrammarPlanner:
    """Deterministic: the same text always gives the same plan. Risk is never decided here."""

    name = "command grammar"

    def plan(self, text: str, context: PlanContext) -> Plan:
        text = clean(text)
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
                    return Plan(calls=(ToolCall(tool=tool, args=_with_repo(tool, args, context)),))
        if head in context.tool_names:
            return Plan(calls=(ToolCall(tool=head, args=_with_repo(head, parse_key_values(rest), context)),))
        raise unknown_command(text, context)


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


def clean(text: str) -> str:
    """The request in a message: without the bot's mention (and a greeting before it), emoji, a polite "can you"
    and trailing punctuation; mentions inside the request are kept (`audit <@U2>`)."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    text = LEADING_MENTIONS.sub(" ", text)
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


def _with_repo(tool: str, args: JsonObject, context: PlanContext) -> JsonObject:
    takes_repo = tool in context.repo_tools or not context.repo_tools  # no list given: assume it does
    if "repo" in args or context.default_repo is None or not takes_repo:
        return args
    return {**args, "repo": context.default_repo}


def unknown_command(text: str, context: PlanContext) -> UserFacingError:
    head = text.split(" ", 1)[0].lower()
    choices = [*context.tool_names, *VERBS]
    suggestions = did_you_mean(head, choices)
    hint = "Try `/ops help` for the list of commands."
    if suggestions:
        hint = "Did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "? " + hint
    return UserFacingError(f"I don't know how to do `{truncate(text, 80)}`.", hint=hint)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
