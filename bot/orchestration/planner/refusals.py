"""The grammar's replies when a request is not a command it can plan: "I don't know how to do …" with the closest
whole commands as buttons, "Which repository?" with a button per known one, and "deploy … to …" pointed at the
runbooks that deploy. Each is a `UserFacingError` whose `suggestions` Slack shows as one-click buttons."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject
from bot.core.suggest import did_you_mean
from bot.orchestration.planner.planner_base import Plan, PlanContext
from bot.orchestration.planner.suggestions import LIMIT, deploy, starting_with, suggest

BUILTIN_WORDS = ("pending", "audit", "runbooks", "run", "digest")
# near misses of a form, mended: "comment on #7 looks good" → "comment on #7: looks good"
COMMENT_TARGET = r"comment\s+on\s+(?:pr\s*#?\s*|issue\s*#?\s*|#)\d+(?:\s+in\s+[\w.-]+/[\w.-]+)?"
MENDS = ((re.compile(rf"^({COMMENT_TARGET})\s+([^:\s].*)$", re.I), r"\1: \2"),)
VERBS = ("list", "show", "get", "merge", "create", "open", "close", "rerun", "comment", "dispatch", "help")
HELP = "Try `/ops help` for the list of commands."
PLACEHOLDER = re.compile(r"(?:<|&lt;)(?P<name>[a-z][a-z_ ]{0,20})(?:>|&gt;)")  # `<number>`, as help shows it
NEEDS_NUMBER = ("merge", "show", "rerun", "close", "comment", "get", "check")  # alone: "Which one?"


def unknown_command(text: str, context: PlanContext, plan: Callable[[str], Plan]) -> UserFacingError:
    """"I don't know how to do …", with the closest whole commands as buttons: the text with its first word
    corrected (`mrege pr 7` → `merge pr 7`), then commands close to what it says. Only commands that plan in this
    context are offered, so a click never meets a second "I don't know"."""
    if (blank := PLACEHOLDER.search(text)) is not None:  # an example typed as the help card showed it
        return UserFacingError(
            f"`<{blank['name']}>` is a placeholder: put the real {blank['name'].replace('_', ' ')} in its place.",
            hint="`list prs` shows the open PRs, `list issues` the open issues.",
            suggestions=tuple(c for c in ("list prs", "list issues") if _plans(c, plan)),
        )
    head, _, rest = text.partition(" ")
    known = [*context.tool_names, *VERBS, *BUILTIN_WORDS]
    # a first word that is a command word already is not a typo: `rerun #8` is not `run #8`
    typo = head.lower() not in {k.lower() for k in known}
    words = [w for w in did_you_mean(head, known) if w.lower() != head.lower()] if typo else []
    fixed = [f"{w} {rest}".strip() for w in words]
    # a verb alone, typed or corrected (`list`, `lsit`), is no command: the commands it begins
    verbs = [] if any(_plans(f, plan) for f in fixed) else [*words, *([] if typo or rest else [head])]
    begun = [c for verb in verbs for c in starting_with(verb, context)]
    found = [*mends(text), *fixed, *begun, *suggest(text, context)]
    commands = tuple(c for c in dict.fromkeys(found) if _plans(c, plan))[:LIMIT]
    hint = HELP
    needs_number = next((w.lower() for w in (head, *words) if w.lower() in NEEDS_NUMBER), None)  # `shwo` too
    if commands:
        hint = "Did you mean " + " or ".join(f"`{c}`" for c in commands) + "? " + hint
    elif needs_number is not None:
        hint = f"Which one? Say it with its number, e.g. `{needs_number} pr 7` (`list prs` shows the open ones). {HELP}"
        commands = tuple(c for c in ("list prs",) if _plans(c, plan))
    elif words:
        hint = "Did you mean " + " or ".join(f"`{w}`" for w in words) + "? " + hint
    return UserFacingError(f"I don't know how to do `{truncate(text, 80)}`.", hint=hint, suggestions=commands)


def mends(text: str) -> list[str]:
    """`text` as the form it nearly is (a missing `:` before a comment's text)."""
    return [pattern.sub(repl, text) for pattern, repl in MENDS if pattern.match(text)]


def mended_refusal(text: str, refusal: UserFacingError, plan: Callable[[str], Plan]) -> UserFacingError:
    """A tool's exact form that did not parse (`comment on #7 looks good`), with the mended command as a button when
    there is one that plans; else the refusal as it was."""
    mended = next((m for m in mends(text) if _plans(m, plan)), None)
    if mended is None:
        return refusal
    return UserFacingError(
        f"I don't know how to do `{truncate(text, 80)}`.",
        hint=f"Did you mean `{truncate(mended, 200)}`? A comment's text goes after a `:`.",
        suggestions=(mended,),
    )


def unknown_subject(text: str, subject: str, candidates: list[str], plan: Callable[[str], Plan]) -> UserFacingError:
    """"status of <word>" where the word is neither a repository nor a branch opsbot can tell: what it may have
    meant (the repository of that name, a branch, the overall status), as buttons — those that plan."""
    commands = tuple(c for c in dict.fromkeys(candidates) if _plans(c, plan))[:LIMIT]
    hint = "`status` shows the open PRs and the failing runs, `status of main` the failing runs on a branch."
    if commands:
        hint = "Did you mean " + " or ".join(f"`{c}`" for c in commands) + "? " + hint
    return UserFacingError(
        f"I don't know how to do `{truncate(text, 80)}`: I can't tell which repository or branch "
        f"`{truncate(subject, 40)}` is.",
        hint=hint,
        suggestions=commands,
    )


def _plans(command: str, plan: Callable[[str], Plan]) -> bool:
    """Whether `command` plans to something real (`plan` probes: a builtin that would not work is refused)."""
    try:
        planned = plan(command)
    except UserFacingError:
        return False
    return bool(planned.calls or planned.builtin)


def which_repo(
    text: str, tool: str, args: JsonObject, context: PlanContext, plan: Callable[[str], Plan]
) -> UserFacingError:
    """A request for a tool that needs a repository, in a channel without a default: a button per repository
    opsbot knows of — the request as typed plus `in owner/name` when that plans the same call, else the exact
    `tool key=value` form."""
    options: list[str] = []
    for repo in context.known_repos[:LIMIT]:
        typed = f"{text} in {repo}"
        try:
            planned = plan(typed).calls
        except UserFacingError:
            planned = ()
        same = any(c.tool == tool and c.args.get("repo") == repo for c in planned)
        options.append(typed if same else key_value_command(tool, {**args, "repo": repo}))
    hint = "Add `in owner/name`, e.g. " + (f"`{options[0]}`." if options else "`… in acme/api`.")
    hint += " (An admin can give a channel a default repository: OPSBOT_CHANNEL_REPOS.)"
    return UserFacingError("Which repository? This channel has no default one.", hint=hint, suggestions=tuple(options))


def deploy_refusal(text: str, subject: str, environment: str, context: PlanContext) -> UserFacingError:
    """"deploy api to prod" is not one command: the deploy or release runbooks that would do it, as buttons."""
    complete, partial = deploy(subject, environment, context)
    if complete:
        return UserFacingError(
            f"I deploy through a runbook, with its approvals: `{truncate(text, 80)}` is not a command itself.",
            hint="Did you mean " + " or ".join(f"`{c}`" for c in complete) + "?",
            suggestions=complete,
        )
    if partial:
        return UserFacingError(
            f"I deploy through a runbook: `{truncate(text, 80)}` needs more to go on.",
            hint=f"Type `{partial}`, filling in what is in <…>; `runbooks` lists what I can run.",
            suggestions=("runbooks",),
        )
    return UserFacingError(
        f"I don't know how to do `{truncate(text, 80)}`: there is no deploy or release runbook here.",
        hint="`/ops runbooks` lists what I can run; `/ops dispatch_workflow …` starts a workflow through approval.",
        suggestions=("runbooks",),
    )


def key_value_command(tool: str, args: JsonObject) -> str:
    """`dispatch_workflow repo=acme/api inputs.env=prod`: the exact form every tool reads."""
    words: list[str] = []

    def add(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                add(f"{prefix}{key}.", inner)
        else:
            words.append(f"{prefix[:-1]}={shlex.quote(str(value))}")

    add("", args)
    return " ".join([tool, *words])


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
