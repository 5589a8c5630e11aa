"""When no command matches: the whole commands the person may have meant, closest first, each one they can run with
one click ("Did you mean `merge pr 7 in acme/api`?"). Pure: the same text and context give the same suggestions.

A suggestion is a complete command in the grammar's words — never a template with a blank to fill — so clicking it
plans exactly what it says. Risk is never decided here: a suggested `merge` posts the same approval card as a typed
one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.orchestration.planner.planner_base import PlanContext, RunbookInfo

LIMIT = 3
CUTOFF = 0.55  # a candidate's similarity to the text, when none of its verbs is in the text
NUMBER = re.compile(r"(?:#|\b(?:pr|pull request|pull|issue|number|no\.?)\s*#?\s*)(\d{1,10})\b|\b(\d{1,10})\b", re.I)
REPO_IN_TEXT = re.compile(r"\b([\w.-]+/[\w.-]+)\b")
ONLY_A_NUMBER = re.compile(r"^\s*#\s*\d+\s*$")  # "#7": a PR or an issue, so a suggestion, not a plan
BRANCH = re.compile(r"\bon\s+(?:branch\s+)?([\w./-]+)", re.I)


@dataclass(frozen=True)
class Candidate:
    """A command opsbot can suggest: its text (`{n}`: a PR or issue number; `{in}`: where ` in owner/name` goes;
    `{branch}`: an optional branch), the tool (or built-in) it needs, and the words that point at it."""

    text: str
    needs: str
    verbs: tuple[str, ...]


CANDIDATES = (
    Candidate("merge pr {n}{in}", "merge_pull_request", ("merge", "land", "ship", "squash", "rebase", "accept")),
    Candidate("show pr {n}{in}", "get_pull_request", ("show", "get", "view", "see", "check", "status", "details")),
    Candidate(
        "rerun failed jobs on pr {n}{in}",
        "rerun_failed_jobs",
        ("rerun", "re-run", "retry", "restart", "rebuild", "retrigger", "kick", "flaky", "ci", "checks", "jobs"),
    ),
    Candidate("rerun run {n}{in}", "rerun_failed_jobs", ("build", "builds", "workflow", "workflows")),
    Candidate("close issue {n}{in}", "close_issue", ("close", "resolve", "wontfix", "dismiss")),
    Candidate("list prs{in}", "list_pull_requests", ("prs", "pulls", "pull", "requests", "review", "reviews", "open")),
    Candidate("list issues{in}", "list_issues", ("issues", "bugs", "tickets", "backlog")),
    Candidate(
        "list failed runs{in}{branch}",
        "list_failed_workflow_runs",
        ("failing", "failed", "failures", "broken", "red", "builds", "ci", "runs", "workflows", "checks"),
    ),
    Candidate("pending", "pending", ("pending", "waiting", "approvals", "approve", "queue", "mine")),
    Candidate("audit today", "audit", ("audit", "history", "trail", "log", "happened", "today")),
    Candidate("runbooks", "runbooks", ("runbooks", "runbook", "playbooks", "deploy", "release", "procedures")),
    Candidate("digest", "digest", ("digest", "digests", "summary", "daily", "weekly", "report")),
)
BUILTIN_NEEDS = {"pending", "audit", "runbooks", "digest"}
ACTS = {"merge_pull_request", "close_issue", "rerun_failed_jobs"}  # offered only when the text says their word
ENVIRONMENTS = {"prod": "production", "prd": "production", "live": "production", "stg": "staging", "stage": "staging"}
ENVIRONMENT_INPUTS = ("environment", "env", "stage", "target")
SUBJECT_INPUTS = ("service", "app", "application", "component", "project", "name")
VERSION = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$")
VERSION_INPUTS = ("version", "tag", "release", "ref")


def suggest(text: str, context: PlanContext, *, limit: int = LIMIT) -> tuple[str, ...]:
    """Up to `limit` commands close to `text` that opsbot could run in this context. A command that acts (merge,
    close, rerun) is offered only when the text says its word, never for merely looking like it."""
    words = set(re.findall(r"[a-z][a-z-]*", re.sub(r"\bre\s+run\b", "rerun", text.lower())))
    number = _number(text)
    repo = _repo(text)
    branch = _branch(text, repo)
    scored: list[tuple[float, str]] = []
    for candidate in CANDIDATES:
        needs_number = "{n}" in candidate.text
        if not _available(candidate, context) or (needs_number and number is None):
            continue
        command = candidate.text.replace("{n}", str(number)).replace("{branch}", f" on {branch}" if branch else "")
        similarity = difflib.SequenceMatcher(None, _bare(text), command.replace("{in}", "").lower()).ratio()
        only_a_number = candidate.needs == "get_pull_request" and ONLY_A_NUMBER.match(text) is not None
        hit = bool(words & set(candidate.verbs)) or only_a_number
        if hit or (similarity >= CUTOFF and (needs_number or number is None) and candidate.needs not in ACTS):
            scored.append((similarity + (1.0 if hit else 0.0), command.replace("{in}", _in_repo(repo, context))))
    scored.sort(key=lambda s: -s[0])
    return tuple(_unique([command for _, command in scored])[:limit])


def starting_with(word: str, context: PlanContext) -> tuple[str, ...]:
    """The commands opsbot could run here that begin with `word` and need no number (`list` → `list prs`, …)."""
    found = [c.text for c in CANDIDATES if _available(c, context) and c.text.startswith(f"{word.lower()} ")]
    commands = [c.replace("{branch}", "").replace("{in}", _in_repo(None, context)) for c in found if "{n}" not in c]
    return tuple(commands)


def with_repos(command: str, context: PlanContext, *, limit: int = LIMIT) -> tuple[str, ...]:
    """`command` in each repository opsbot knows of: for a command that needs one when the channel has none."""
    return tuple(f"{command} in {repo}" for repo in context.known_repos[:limit])


def deploy(subject: str, environment: str, context: PlanContext) -> tuple[tuple[str, ...], str | None]:
    """"deploy <subject> to <environment>": the runbook commands that would do it (complete ones only), and, when
    a deploy runbook exists but an input is still missing, the command to type with that input left to fill."""
    books = sorted(context.runbooks, key=lambda b: (0 if "deploy" in b.name else 1 if "release" in b.name else 2))
    books = [b for b in books if "deploy" in b.name or "release" in b.name]
    complete: list[str] = []
    partial: str | None = None
    for book in books:
        inputs, missing = _deploy_inputs(book, subject, environment, context)
        args = " ".join(f"{k}={_quoted(v)}" for k, v in inputs.items())
        command = f"run {book.name}" + (f" {args}" if args else "")
        if missing:
            partial = partial or command + "".join(f" {name}=<{name}>" for name in missing)
        else:
            complete.append(command)
    return tuple(complete[:LIMIT]), partial


def _deploy_inputs(
    book: RunbookInfo, subject: str, environment: str, context: PlanContext
) -> tuple[dict[str, str], list[str]]:
    inputs: dict[str, str] = {}
    choices = dict(book.choices)
    env_input = next((n for n in ENVIRONMENT_INPUTS if n in book.inputs), None)
    if env_input is not None:
        inputs[env_input] = _environment(environment, choices.get(env_input, ()))
    repo = _repo(subject) or _known_repo(subject, context)
    if "repo" in book.inputs and (repo or context.default_repo):
        inputs["repo"] = repo or str(context.default_repo)
    if VERSION.match(subject):
        target = next((n for n in VERSION_INPUTS if n in book.inputs), None)
    elif repo is None:
        target = next((n for n in SUBJECT_INPUTS if n in book.inputs), None)
    else:
        target = None
    if target is not None:
        inputs[target] = subject
    missing = sorted(book.required - set(inputs))
    return inputs, missing


def _environment(word: str, allowed: tuple[str, ...]) -> str:
    lowered = word.lower()
    full = ENVIRONMENTS.get(lowered, lowered)
    for value in allowed:
        if value.lower() in (lowered, full):
            return value
    return full


def _known_repo(subject: str, context: PlanContext) -> str | None:
    """"api" names acme/api when it is the one known repository of that name."""
    matches = [r for r in (*([context.default_repo] if context.default_repo else []), *context.known_repos)]
    named = _unique([r for r in matches if r.lower().split("/")[-1] == subject.lower()])
    return named[0] if len(named) == 1 else None


def _available(candidate: Candidate, context: PlanContext) -> bool:
    return candidate.needs in BUILTIN_NEEDS or candidate.needs in context.tool_names


def _in_repo(repo: str | None, context: PlanContext) -> str:
    """` in owner/name`: the one the text names, else the one opsbot knows when the channel has no default."""
    if repo is not None:
        return f" in {repo}"
    if context.default_repo is None and len(context.known_repos) == 1:
        return f" in {context.known_repos[0]}"
    return ""


def _number(text: str) -> int | None:
    for match in NUMBER.finditer(text):
        digits = match.group(1) or match.group(2)
        if digits and 0 < int(digits) < 2**31:
            return int(digits)
    return None


def _repo(text: str) -> str | None:
    match = REPO_IN_TEXT.search(text)
    return match.group(1) if match else None


def _branch(text: str, repo: str | None) -> str | None:
    for match in BRANCH.finditer(text):
        if match.group(1) != repo:
            return match.group(1)
    return None


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w#/ .-]", " ", text.lower()).split())


def _quoted(value: str) -> str:
    return f'"{value}"' if re.search(r"\s", value) else value


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
