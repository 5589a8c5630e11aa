"""The builtins (`pending`, `audit`, `runbooks`, `run`, `digest`, `mcp`, help): the words that ask for them ("what's
pending", "list runbooks", "show the audit log for today", "what can you do"), and whether a builtin command would do
something real in this context — checked before one is offered as a suggestion, so a click never meets "There is no
runbook called `#8`"."""

from __future__ import annotations

import re
import shlex

from bot.orchestration.planner.planner_base import Plan, PlanContext

BUILTINS = {"pending", "audit", "runbooks", "run", "digest", "mcp"}
HELP_WORDS = {"help", "?", "commands", "usage", "hi", "hello"}
HELP = re.compile(
    r"^(?:help(?:\s+me)?|(?:show|list)\s+(?:me\s+)?(?:the\s+|your\s+)?commands|what\s+(?:are\s+)?(?:the|your)\s+commands"
    r"|what\s+(?:else\s+)?(?:can|do)\s+you\s+do|how\s+do\s+i\s+use\s+(?:you|this|opsbot)|what\s+do\s+you\s+understand)$",
    re.I,
)
WORKFLOW_FILE = re.compile(r"^[\w./-]+\.ya?ml$", re.I)
SHOW = r"(?:show(?:\s+me)?|list|get|give\s+me|what(?:'?s|\s+are|\s+is)?|whats|which|any|is\s+(?:there\s+)?anything)"
PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (builtin, re.compile(rf"^{pattern}$", re.I))
    for builtin, pattern in (
        ("pending", rf"{SHOW}\s+(?:the\s+|my\s+)?pending(?:\s+(?:approvals?|requests?))?(?:\s+here)?"),
        ("pending", r"(?:show\s+)?(?:my\s+)?pending\s+approvals?|what\s+needs\s+(?:my\s+)?approval"),
        ("runbooks", rf"{SHOW}\s+(?:the\s+)?(?:available\s+)?(?:runbooks|playbooks)(?:\s+(?:are\s+there|do\s+you\s+have"
                     r"|can\s+you\s+run|are\s+available))?|what\s+can\s+you\s+run"),
        ("digest", rf"{SHOW}\s+(?:the\s+|my\s+)?(?:scheduled\s+)?digests(?:\s+here)?|digests"),
    )
)  # fmt: skip
# "audit log for today", "show me the audit trail of @ana": the trail asked for, after its own words
AUDIT = re.compile(
    r"^(?:show(?:\s+me)?\s+)?(?:the\s+)?audit(?:\s+(?:log|trail))?(?:\s+(?:for|of|by|from))?(?:\s+(?P<query>.*))?$",
    re.I,
)
AUDIT_QUERY = re.compile(r"^(?:[0-9a-f]{4,32}|<@[A-Z0-9]+(?:\|[^>]*)?>|@\S.{0,79}|@?[UW][A-Z0-9]{2,})$")
DIGEST_VERBS = {"": 0, "list": 0, "ls": 0, "remove": 1, "rm": 1, "delete": 1}  # verb → how many words follow
MCP_VERBS = {"", "help", "token", "tokens"}


def builtin_plan(text: str, context: PlanContext) -> Plan | None:
    """The builtin `text` asks for, if any: by its first word (`run deploy-api env=prod`, except `run workflow …`
    and `run deploy.yml`, which dispatch a workflow) or by a phrasing."""
    if text.lower() in HELP_WORDS or HELP.match(text) or text.lower().startswith("help "):  # `help merge`: the card
        return Plan(help=True)
    head, _, rest = text.partition(" ")
    builtin = head.lower()
    if builtin == "audit" or (builtin in ("show", "the") and AUDIT.match(text)):
        match = AUDIT.match(text)
        if match is not None and (builtin == "audit" or match["query"]):
            return Plan(builtin="audit", query=(match["query"] or "").strip())
    if builtin in BUILTINS and not _a_workflow(builtin, rest, context):
        return Plan(builtin=builtin, query=rest.strip())
    for name, pattern in PHRASES:
        if pattern.match(text):
            return Plan(builtin=name, query="list" if name == "digest" else "")
    return None


def _a_workflow(builtin: str, rest: str, context: PlanContext) -> bool:
    first = rest.split(" ", 1)[0]
    known = {book.name.lower() for book in context.runbooks}
    a_file = bool(WORKFLOW_FILE.match(first)) and first.lower() not in known
    return builtin == "run" and (first.lower() == "workflow" or a_file)


def does_something(plan: Plan, context: PlanContext) -> bool:
    """Whether `plan` would do what it says here: tool calls do; a builtin does when its argument is one it reads
    (`run` a runbook the context knows, with its required inputs and allowed values; `audit` today, a run id or a
    person; `digest list|remove <id>|add …`). Help is never offered as a suggestion."""
    if plan.calls:
        return True
    if plan.builtin is not None and context.builtins is not None and plan.builtin not in context.builtins:
        return False  # not set up here (no digests, no runbooks, no MCP tokens)
    words = plan.query.split()
    verb = words[0].lower() if words else ""
    if plan.builtin in ("pending", "runbooks"):
        return True  # they read nothing after their name
    if plan.builtin == "audit":
        return plan.query.strip().lower() == "today" or bool(AUDIT_QUERY.match(plan.query.strip()))
    if plan.builtin == "digest":
        return (verb == "add" and len(words) >= 5) or DIGEST_VERBS.get(verb, -1) == len(words[1:])
    if plan.builtin == "mcp":
        return verb in MCP_VERBS
    if plan.builtin == "run":
        return not words or _runbook_command(plan.query, context)
    return False


def _runbook_command(query: str, context: PlanContext) -> bool:
    name, _, rest = query.partition(" ")
    book = next((b for b in context.runbooks if b.name == name), None)
    if book is None:
        return False
    try:
        pairs = [word.partition("=") for word in shlex.split(rest)]
    except ValueError:
        return False
    given = {key: value for key, sep, value in pairs if sep and key}
    if len(given) != len(pairs) or not book.required <= set(given) <= set(book.inputs):
        return False
    allowed = dict(book.choices)
    return all(value in allowed[key] for key, value in given.items() if key in allowed)
