"""What a deployment ships: the commits since the last successful deployment to the same environment, read from
GitHub (the environment's deployments, their newest status, then the compare of that commit with this one)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.jsonvalue import items, obj, text
from integrations.github.gateway import GitHubGateway
from integrations.github.github_errors import Operation

LOOK_BACK = 10  # deployments to the environment read, newest first, to find the last one that succeeded
SHOWN = 10  # commits listed on the card (the count and the compare link say the rest)
PULL = re.compile(r"^Merge pull request #(\d+)|\(#(\d+)\)\s*$")  # a merge commit's or a squash's PR


@dataclass(frozen=True, kw_only=True)
class Shipped:
    sha: str
    title: str  # the message's first line
    author: str
    pr: int | None  # the merged PR it is, when its message says so


@dataclass(frozen=True, kw_only=True)
class Shipping:
    base: str | None  # the last successful deployment's commit; None for a first deployment
    commits: tuple[Shipped, ...] = ()
    total: int = 0
    url: str | None = None  # GitHub's compare page


async def what_ships(gw: GitHubGateway, repo: str, environment: str, head: str) -> Shipping:
    base = await _last_success(gw, repo, environment, head)
    if base is None:
        return Shipping(base=None)
    op = Operation(action=f"compare {base[:7]} with {head[:7]} in {repo}", target=f"The commits of {repo}", repo=repo)
    path = f"/repos/{repo}/compare/{base}...{head}"
    data = await gw.call(lambda gh: gh.requester.requestJsonAndCheck("GET", path, {"per_page": SHOWN})[1], op)
    found = obj(data)
    commits = tuple(_shipped(c) for c in items(found.get("commits")))[-SHOWN:][::-1]  # newest first
    total = found.get("total_commits")
    return Shipping(
        base=base, commits=commits, total=total if isinstance(total, int) else len(commits),
        url=text(found.get("html_url")) or None,
    )  # fmt: skip


async def _last_success(gw: GitHubGateway, repo: str, environment: str, head: str) -> str | None:
    what = f"the deployments to {environment} in {repo}"
    op = Operation(action=f"read {what}", target=what[0].upper() + what[1:], repo=repo)
    params = {"environment": environment, "per_page": LOOK_BACK}
    listed = await gw.call(
        lambda gh: gh.requester.requestJsonAndCheck("GET", f"/repos/{repo}/deployments", params)[1], op
    )
    for deployment in items(listed):
        found = obj(deployment)
        sha, statuses = text(found.get("sha")), text(found.get("statuses_url"))
        if not sha or sha == head or not statuses:
            continue
        if await _newest_state(gw, f"/repos/{repo}/deployments/{found.get('id')}/statuses", op) == "success":
            return sha
    return None


async def _newest_state(gw: GitHubGateway, path: str, op: Operation) -> str:
    states = await gw.call(lambda gh: gh.requester.requestJsonAndCheck("GET", path, {"per_page": 1})[1], op)
    newest = items(states)[:1]
    return text(obj(newest[0]).get("state")) if newest else ""


def _shipped(commit: object) -> Shipped:
    c = obj(commit)
    message = text(obj(c.get("commit")).get("message"))
    title = message.splitlines()[0] if message else ""
    found = PULL.search(title)
    pr = int(found.group(1) or found.group(2)) if found else None
    author = text(obj(c.get("author")).get("login")) or text(obj(obj(c.get("commit")).get("author")).get("name"))
    return Shipped(sha=text(c.get("sha")), title=title, author=author or "?", pr=pr)
