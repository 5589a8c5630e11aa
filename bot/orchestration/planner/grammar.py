"""The offline planner: a deterministic command grammar (`<tool> key=value …` plus natural forms)."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from bot.core.domain import ToolCall
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import unentity
from bot.orchestration.planner.builtin_forms import builtin_plan, does_something
from bot.orchestration.planner.natural_forms import IN_REPO, REPO, natural_forms
from bot.orchestration.planner.natural_forms import PR_NUMBER_MAX as PR_NUMBER_MAX
from bot.orchestration.planner.natural_forms import pr_number as pr_number
from bot.orchestration.planner.planner_base import Plan, PlanContext
from bot.orchestration.planner.refusals import (
    deploy_refusal,
    mended_refusal,
    unknown_command,
    unknown_subject,
    which_repo,
)
from bot.orchestration.planner.status_forms import status_request, subject_candidates

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
TRAILING = re.compile(r"[\s?!.,;]+$|\s+(?:please|pls|plz|thanks|thank you|thx|cheers)[\s?!.,]*$", re.I)
DEPLOY = re.compile(
    rf"^(?:deploy|ship|release|roll out|push)\s+(?P<subject>[\w./@+-]+)\s+(?:to|on|into)\s+(?P<env>[\w.-]+)"
    rf"(?:\s+(?:in|for|of)\s+{REPO})?$",
    re.I,
)
# "deploy production", "deploy staging v1.4.0 in acme/api": the deploy workflow, with the environment as its input
DEPLOY_ENVIRONMENT = re.compile(
    rf"^deploy\s+(?:to\s+)?(?P<environment>[\w-]+)(?:\s+(?:at|from|on)?\s*(?P<ref>(?!in\b)[\w./-]+))?{IN_REPO}$", re.I
)
NATURAL = natural_forms()


class GrammarPlanner:
    """Deterministic: the same text always gives the same plan. Risk is never decided here."""

    name = "command grammar"

    def plan(self, text: str, context: PlanContext) -> Plan:
        return _plan(text, context, probe=False)


def _plan(text: str, context: PlanContext, *, probe: bool) -> Plan:
    """`probe`: only whether `text` plans to something real (checking a suggestion), so a refusal carries no
    suggestions of its own, and a builtin that would not do what it says (`run #8`) is refused."""
    text = clean(text, bot_user_id=context.bot_user_id, bot_name=context.bot_name)
    if not text:
        return Plan(help=True)
    if (builtin := builtin_plan(text, context)) is not None:
        if probe and not does_something(builtin, context):
            raise UserFacingError("not a command here")
        return builtin
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
    status = status_request(text, context)
    if status is not None and status.reads and all(tool in context.tool_names for tool, _ in status.reads):
        return Plan(calls=tuple(_call(text, tool, args, context, probe) for tool, args in status.reads))
    if (wanted := DEPLOY.match(text)) is not None:
        where = replace(context, default_repo=wanted["repo"]) if wanted["repo"] else context
        raise deploy_refusal(text, wanted["subject"], wanted["env"], where)

    def again(typed: str) -> Plan:
        return _plan(typed, context, probe=True)

    head, _, rest = text.partition(" ")
    if head in context.tool_names:
        try:
            return Plan(calls=(_call(text, head, parse_key_values(rest), context, probe),))
        except UserFacingError as exc:
            mended = exc if probe else mended_refusal(text, exc, again)
            if mended is exc:
                raise
            raise mended from exc
    if probe:
        raise UserFacingError("not a command")

    if status is not None and status.unknown is not None:
        candidates = subject_candidates(status.unknown, status.repo, context)
        raise unknown_subject(text, status.unknown, candidates, again)
    raise unknown_command(text, context, again)


def clean(text: str, *, bot_user_id: str | None = None, bot_name: str | None = None) -> str:
    """The request in a message: without the bot's mention (anywhere, when its id is known; else at the start,
    after a greeting), emoji, a polite "can you" and trailing punctuation; other mentions are kept
    (`audit <@U2>`). `@opsbot` typed as text (a slash command, a DM) counts as the mention when `bot_name` is
    given, and so does its bare name as the first word ("opsbot, list prs")."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s,:!.-]*", " ", text)
    if bot_name:
        text = re.sub(rf"(?<![\w<])@{re.escape(bot_name)}\b[\s,:!.-]*", " ", text, flags=re.I)
    text = GREETING.sub(" ", LEADING_MENTIONS.sub(" ", text))
    if bot_name:  # "opsbot, list prs": its name as the first word, without the @
        text = re.sub(rf"^\s*{re.escape(bot_name)}(?:[\s,:!.-]+|$)", " ", text, flags=re.I)
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
        target[leaf] = unentity(value)  # `title="a &lt; b"` as Slack sends `a < b`
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
