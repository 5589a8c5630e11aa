"""How GitHub results read in Slack: list lines, fields, approval warnings, ages; all mrkdwn-escaped."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import link, review_requested
from bot.core.tool_registry import ToolResult
from integrations.github.github_args import ListIssuesArgs
from integrations.github.github_models import (
    CheckState,
    IssueDetail,
    IssueList,
    IssueSummary,
    PullDetail,
    PullSummary,
    RunSummary,
)

READY_STATES = frozenset({"clean", "has_hooks", "unstable"})
SHOWN_ISSUES = 15  # lines of a reply; the rest are "…and N more" (the data has them all)
SHOWN_CHARS = 2900  # what a Slack section holds (3000), less the "…and N more" line


def merge_refusal(pull: PullDetail, repo: str) -> str | None:
    """Why merging `pull` would fail for sure (so nobody is asked to approve it), or None."""
    what = f"#{pull.number} in `{repo}`"
    if pull.merged:
        return f"{what} is already merged: there is nothing to merge."
    if pull.state != "open":
        return f"{what} is {pull.state}: reopen it on GitHub before asking to merge it."
    if pull.mergeable is False or pull.mergeable_state == "dirty":
        return f"{what} has conflicts with its base branch: resolve them, then ask again."
    return None


def merge_warnings(pull: PullDetail) -> tuple[str, ...]:
    warnings = []
    if pull.merged or pull.state != "open":
        warnings.append(f"This pull request is {'already merged' if pull.merged else pull.state}.")
    if pull.mergeable is False or pull.mergeable_state == "dirty":
        warnings.append("GitHub says it is not mergeable (conflicts with the base branch).")
    elif pull.mergeable_state not in READY_STATES:
        warnings.append(f"Merge state is `{pull.mergeable_state}` (e.g. blocked by reviews, or behind base).")
    if pull.checks.state is CheckState.FAILING:
        warnings.append(f"Failing checks: {escape(', '.join(pull.checks.failing))}.")
    elif pull.checks.state is CheckState.PENDING:
        warnings.append("Checks are still running.")
    return tuple(warnings)


def close_fields(repo: str, issue: IssueDetail, *, reason: str, comment: bool) -> tuple[tuple[str, str], ...]:
    state = "open → closed" if issue.state == "open" else f"already {issue.state}{_reason(issue.state_reason)}"
    return (
        ("Repository", repo),
        (issue.kind, f"#{issue.number} {escape(issue.title)}"),
        ("State", state),
        ("Reason", reason.replace("_", " ")),
        ("Comment", "posted first (below)" if comment else "none"),
    )


def close_warnings(issue: IssueDetail) -> tuple[str, ...]:
    if issue.state == "closed":
        return (f"This is already closed{_reason(issue.state_reason)}: closing will fail, and nothing is posted.",)
    if issue.pull:
        return ("This is a pull request: closing it does not merge it.",)
    return ()


def _reason(state_reason: str | None) -> str:
    return f" ({state_reason.replace('_', ' ')})" if state_reason else ""


def pull_fields(pull: PullDetail) -> tuple[tuple[str, str], ...]:
    mergeable = {True: "yes", False: "no", None: "not computed yet"}[pull.mergeable]
    return (
        ("Branches", f"`{escape(pull.head)}` → `{escape(pull.base)}`"),
        ("Author", f"@{escape(pull.author)}"),
        ("Mergeable", f"{mergeable} ({pull.mergeable_state})"),
        ("Checks", escape(pull.checks.summary)),
    )


def pull_line(pull: PullSummary, now: datetime) -> str:
    draft = " (draft)" if pull.draft else ""
    reviewers = review_requested(pull.requested_reviewers, pull.requested_teams)
    waiting = f", review: {reviewers}" if pull.requested_reviewers or pull.requested_teams else ""
    conflicts = ", conflicts with its base branch" if pull.mergeable is False else ""
    return (
        f"#{pull.number} {escape(pull.title)}{draft} — @{escape(pull.author)}, {age(now, pull.created_at)} old, "
        f"checks: {pull.checks.state.label}{waiting}{conflicts}"
    )


def pull_data(pull: PullSummary, now: datetime) -> JsonObject:
    return {
        "number": pull.number,
        "title": pull.title,
        "author": pull.author,
        "age_days": (now - pull.created_at).days,
        "checks": pull.checks.state.value,
        "url": pull.url,
        "head_sha": pull.head_sha,
        "draft": pull.draft,
        "requested_reviewers": list(pull.requested_reviewers),
        "requested_teams": list(pull.requested_teams),
        "mergeable": pull.mergeable,
    }


def pull_detail_data(pull: PullDetail) -> JsonObject:
    return {
        "number": pull.number,
        "title": pull.title,
        "author": pull.author,
        "head": pull.head,
        "base": pull.base,
        "state": pull.state,
        "merged": pull.merged,
        "mergeable": pull.mergeable,
        "mergeable_state": pull.mergeable_state,
        "checks": pull.checks.state.value,
        "failing_checks": list(pull.checks.failing),
        "url": pull.url,
        "description": pull.body[:2000],
    }


def issues_result(found: IssueList, args: ListIssuesArgs, now: datetime) -> ToolResult:
    """`list_issues`' reply: a heading, a line per issue (as many as fit), all of them in the data."""
    return ToolResult(
        text=issues_heading(found, args),
        lines=capped([issue_line(i, now) for i in found.issues]),
        data={"issues": [issue_data(i, now) for i in found.issues], "more": found.more},
        link=issues_page(found.issues[0].url, args) if found.issues else None,
    )


def issues_heading(found: IssueList, args: ListIssuesArgs) -> str:
    """E.g. "3 open issues labelled `bug` in `acme/api`:", or "No open issues in `acme/api`." for none."""
    what = ("" if args.state == "all" else f"{args.state} ") + "issue"
    narrowed = f" labelled `{escape(args.label)}`" if args.label else ""
    if args.assignee:
        narrowed += " assigned to nobody" if args.assignee == "none" else f" assigned to @{escape(args.assignee)}"
    count = len(found.issues)
    if not count:
        return f"No {what}s{narrowed} in `{args.repo}`."
    if found.more:
        return f"The newest {count} {what}{plural(count)}{narrowed} in `{args.repo}` (GitHub may have more):"
    return f"{count} {what}{plural(count)}{narrowed} in `{args.repo}`:"


def issue_line(issue: IssueSummary, now: datetime) -> str:
    closed = " (closed)" if issue.state == "closed" else ""
    labels = f"labels: {', '.join(escape(name) for name in issue.labels)}" if issue.labels else "no labels"
    logins = ", ".join(f"@{escape(login)}" for login in issue.assignees)
    assigned = f"assigned: {logins}" if logins else "unassigned"
    title = link(issue.url, f"#{issue.number} {issue.title}")
    return f"{title}{closed} — {labels} · {assigned} · {age(now, issue.created_at)} old"


def issue_data(issue: IssueSummary, now: datetime) -> JsonObject:
    return {
        "number": issue.number,
        "title": issue.title,
        "state": issue.state,
        "author": issue.author,
        "labels": list(issue.labels),
        "assignees": list(issue.assignees),
        "age_days": (now - issue.created_at).days,
        "url": issue.url,
    }


def issues_page(issue_url: str, args: ListIssuesArgs) -> str:
    """GitHub's own page of the same list, from one issue's address (so GitHub Enterprise links to itself)."""
    query = ["is:issue"] + ([] if args.state == "all" else [f"is:{args.state}"])
    if args.label:
        query.append(f'label:"{args.label}"')
    if args.assignee:
        query.append("no:assignee" if args.assignee == "none" else f"assignee:{args.assignee}")
    return f"{issue_url.rsplit('/issues/', 1)[0]}/issues?{urlencode({'q': ' '.join(query)})}"


def capped(lines: list[str]) -> tuple[str, ...]:
    """The first lines that fit one Slack section, then "…and N more." for the others."""
    shown: list[str] = []
    used = 0
    for line in lines[:SHOWN_ISSUES]:
        if shown and used + len(line) + 1 > SHOWN_CHARS:
            break
        shown.append(line)
        used += len(line) + 1
    rest = len(lines) - len(shown)
    return (*shown, f"…and {rest} more.") if rest else tuple(shown)


def run_line(run: RunSummary, now: datetime) -> str:
    when = age(now, run.created_at)
    return f"{escape(run.name)} on `{escape(run.branch)}` at `{run.sha[:7]}`, {when} ago — {run.url}"


def run_fields(run: RunSummary) -> tuple[tuple[str, str], ...]:
    return (
        ("Workflow", escape(run.name)),
        ("Run", str(run.id)),
        ("Branch", f"`{escape(run.branch)}` at `{run.sha[:7]}`"),
        ("Conclusion", run.conclusion or "running"),
    )


def run_data(run: RunSummary) -> JsonObject:
    return {
        "id": run.id,
        "name": run.name,
        "branch": run.branch,
        "sha": run.sha,
        "conclusion": run.conclusion,
        "created_at": run.created_at.isoformat(),
        "url": run.url,
        "title": run.title,
    }


def age(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def escape(text: str) -> str:
    """Upstream text must not ping @channel or forge links in Slack mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plural(count: int) -> str:
    return "" if count == 1 else "s"
