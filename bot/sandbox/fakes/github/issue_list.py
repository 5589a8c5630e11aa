"""`GET /repos/{repo}/issues`: issues and pull requests together, filtered and sorted as GitHub does; labels.

GitHub lists a pull request as an issue with a `pull_request` key. `state` is open (the default), closed or all;
`labels` is a comma-separated list of names, all of which an issue must have (any case); `assignee` is a login,
`none` (nobody assigned) or `*` (anybody); `creator` a login; `since` keeps what was updated at or after it.
`sort` is created (the default), updated or comments, `direction` desc (the default) or asc.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.github.github_state import Call, FakeIssue, Reply
from bot.sandbox.fakes.github.shapes import API, node_id, number_of, sha
from bot.sandbox.fakes.github.wire import paged

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

# the labels a new repository starts with; any other is one the repository's people made
DEFAULT_LABELS = frozenset(
    {"bug", "documentation", "duplicate", "enhancement", "good first issue", "help wanted", "invalid", "question"}
)


def label(repo: str, name: str, *, api: str = API) -> JsonObject:
    """A label as an issue carries it (the "label" shape)."""
    label_id = number_of(f"{repo}:label:{name}")
    return {
        "id": label_id,
        "node_id": node_id("LA", label_id),
        "url": f"{api}/repos/{repo}/labels/{quote(name)}",
        "name": name,
        "color": sha(name)[:6],
        "default": name in DEFAULT_LABELS,
        "description": None,
    }


def list_issues(gh: FakeGitHub, call: Call) -> Reply:
    repo, q = call.repo, call.query
    assert repo is not None
    listed = [(i, False) for i in repo.issues.values()] + [(p.as_issue(), True) for p in repo.pulls.values()]
    since = datetime.fromisoformat(q["since"]) if "since" in q else None
    kept = [(i, pull) for i, pull in listed if _matches(i, q) and (since is None or _updated(i) >= since)]
    by_update = q.get("sort") == "updated"
    kept.sort(key=lambda p: (_updated(p[0]) if by_update else p[0].created_at, p[0].number))
    if q.get("direction", "desc") != "asc":
        kept.reverse()
    answers = [
        gh.pull_as_issue_json(repo, repo.pulls[i.number]) if pull else gh.issue_json(repo, i) for i, pull in kept
    ]
    return paged(gh.url, call, answers)


def _matches(item: FakeIssue, q: dict[str, str]) -> bool:
    wanted = {name.strip().lower() for name in q.get("labels", "").split(",") if name.strip()}
    return (
        q.get("state", "open") in ("all", item.state)
        and wanted <= {name.lower() for name in item.labels}
        and _assigned(item, q.get("assignee"))
        and q.get("creator", item.user).lower() == item.user.lower()
    )


def _assigned(item: FakeIssue, assignee: str | None) -> bool:
    logins = {login.lower() for login in item.assignees}
    if assignee is None:
        return True
    if assignee in ("none", "*"):
        return bool(logins) == (assignee == "*")
    return assignee.lower() in logins


def _updated(item: FakeIssue) -> datetime:
    return item.closed_at or item.created_at  # as the issue's `updated_at` says
