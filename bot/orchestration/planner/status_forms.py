"""How things stand: "status" (of a repository) is its open PRs and failing runs; the status of a branch ("status of
main", "ci status on release/1.4", "is main green?") is the failing runs on it, as "what's failing on main" is.
A word after "status of" that names neither a repository nor a branch is not guessed at: it is `unknown`, for the
grammar to answer with suggestions (`status of acme/web` for "status of web")."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.core.jsonvalue import JsonObject
from bot.orchestration.planner.natural_forms import REPO
from bot.orchestration.planner.planner_base import PlanContext

STATUS_TOOLS = ("list_pull_requests", "list_failed_workflow_runs")
FAILING = "list_failed_workflow_runs"
BRANCH_WORDS = ("main", "master", "develop", "development", "dev", "trunk")
BRANCH_OWNERS = {"release", "releases", "hotfix", "hotfixes", "feature", "features", "bugfix", "fix"}  # release/1.4
CI_WORDS = {"ci", "build", "builds", "checks", "tests", "everything", "things", "workflows", "runs"}
WHAT = r"(?:what'?s\s+|whats\s+|what\s+is\s+|give\s+me\s+|show(?:\s+me)?\s+)?(?:the\s+)?"
SUBJECT = r"(?:(?P<explicit>branch)\s+)?(?P<subject>[\w./-]+?)(?:\s+(?P<suffix>branch))?"
VERDICT = r"(?:green|red|broken|failing|passing|ok|okay|healthy)"
IN = rf"(?:\s+(?:in|for|of|on)\s+{REPO})?"
# "status", "what's the status of acme/api": the open PRs and the failing runs, two reads
OVERALL = re.compile(
    rf"^{WHAT}(?:status|state of things|overview|status report)(?:\s+(?:of|for|in|on)\s+{REPO})?$", re.I
)
STATUS_OF = re.compile(rf"^{WHAT}(?:status|state)\s+(?:of|for|on)\s+(?:the\s+)?{SUBJECT}{IN}$", re.I)
# "ci status", "build status of main", "is main green?", "how is the main branch doing": the failing runs
CI_STATUS = re.compile(
    rf"^{WHAT}(?:ci|build|checks?)\s+status(?:\s+(?:of|for|on)\s+(?:the\s+)?{SUBJECT})?{IN}$", re.I
)
HEALTH = (
    re.compile(rf"^(?:is|are)\s+(?:the\s+)?{SUBJECT}\s+{VERDICT}{IN}$", re.I),
    re.compile(rf"^how(?:'?s|\s+is|\s+are)\s+(?:the\s+)?{SUBJECT}(?:\s+(?:doing|looking))?{IN}$", re.I),
)


@dataclass(frozen=True, kw_only=True)
class Status:
    """What a status request asks for: the reads to plan, or the word it named that opsbot cannot place."""

    reads: tuple[tuple[str, JsonObject], ...] = ()
    unknown: str | None = None
    repo: str | None = None  # the repository the request named, if any


def status_request(text: str, context: PlanContext) -> Status | None:
    if (overall := OVERALL.match(text)) is not None:
        repo = overall["repo"]
        if repo is not None and _a_branch(repo, context):  # "status of release/1.4": a branch with a slash
            return Status(reads=((FAILING, {"branch": repo}),))
        return Status(reads=tuple((tool, {"repo": repo} if repo else {}) for tool in STATUS_TOOLS), repo=repo)
    for pattern, guess in ((STATUS_OF, True), (CI_STATUS, False), *((h, False) for h in HEALTH)):
        if (match := pattern.match(text)) is not None:
            return _of(match, context, guess=guess)
    return None


def _of(match: re.Match[str], context: PlanContext, *, guess: bool) -> Status | None:
    """The status of what `match` names: the repository, a branch, CI as a whole; else, for "status of <word>"
    (`guess`), that word as unknown — the other forms are left to the grammar's usual reply."""
    subject, repo = match["subject"], match["repo"]
    named: JsonObject = {"repo": repo} if repo else {}
    if subject is None or subject.lower() in CI_WORDS:
        return Status(reads=((FAILING, named),), repo=repo)
    if match["explicit"] or match["suffix"] or subject.lower() in BRANCH_WORDS or _a_branch(subject, context):
        return Status(reads=((FAILING, {**named, "branch": subject}),), repo=repo)
    if repo is None and re.fullmatch(REPO, subject):  # "ci status of acme/web"; "status of the acme/web": both reads
        tools = STATUS_TOOLS if guess else (FAILING,)
        return Status(reads=tuple((tool, {"repo": subject}) for tool in tools), repo=subject)
    return Status(unknown=subject, repo=repo) if guess else None


def _a_branch(name: str, context: PlanContext) -> bool:
    """`release/1.4` (a branch) and not `acme/api` (a repository): by its first part, unless opsbot knows it."""
    known = {r.lower() for r in (*context.known_repos, context.default_repo or "")}
    return "/" in name and name.split("/")[0].lower() in BRANCH_OWNERS and name.lower() not in known


def subject_candidates(subject: str, repo: str | None, context: PlanContext) -> list[str]:
    """The commands "status of <subject>" may have meant, closest first (the grammar offers those that plan): the
    known repository of that name, the PR of that number, a branch it is a typo of, or a branch of that name."""
    if repo is not None:
        wheres = [f" in {repo}"]
    elif context.default_repo is None and context.known_repos:  # each known one, for a channel with no default
        wheres = [f" in {r}" for r in context.known_repos[:2]]
    else:
        wheres = [""]
    if subject.isdigit():
        return [*(f"show pr {subject}{where}" for where in wheres), *(f"status{where}" for where in wheres)]
    known = list(dict.fromkeys((*([context.default_repo] if context.default_repo else []), *context.known_repos)))
    names = {r.split("/")[-1].lower(): r for r in known}
    repos = [names[n] for n in difflib.get_close_matches(subject.lower(), list(names), n=2, cutoff=0.75)]
    branches = difflib.get_close_matches(subject.lower(), BRANCH_WORDS, n=1, cutoff=0.75)
    return [
        *(f"status of {r}" for r in repos if not repo),
        *(f"status of {b}{where}" for b in branches for where in wheres),
        *(f"what's failing on {subject}{where}" for where in wheres),
        *(f"status{where}" for where in wheres),
    ]
