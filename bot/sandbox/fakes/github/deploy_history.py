"""The fake GitHub's deployments and the commits between two of them: what a deployment gate shows as "what ships".

`GET /repos/{o}/{r}/deployments` (newest first; `environment`, `sha`, `ref` filters), `GET …/deployments/{id}/statuses`
(newest first), and `GET …/compare/{base}...{head}` over the repository's recorded history (`add_history`), in the
shapes GitHub documents (checked in tests/schemas/test_github_rest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.github.github_state import Call, FakeCommit, FakeDeployment, FakeRepo, Reply, _sha
from bot.sandbox.fakes.github.shapes import WEB, node_id, number_of, simple_user, stamp
from bot.sandbox.fakes.github.wire import NOT_FOUND, error, paged

if TYPE_CHECKING:
    from bot.sandbox.fakes.github import FakeGitHub

R = r"/repos/(?P<repo>[^/]+/[^/]+)"


def add_history(gh: FakeGitHub, repo: str, commits: Sequence[tuple[str, str]]) -> list[str]:
    """Commits (message, author) on the default branch, in order; their shas."""
    fake = gh.repos[repo.lower()]
    added = [FakeCommit(sha=_sha(f"{repo}#{len(fake.history) + i}:{m}"), message=m, author=a) for i, (m, a) in
             enumerate(commits)]  # fmt: skip
    fake.history += added
    return [c.sha for c in added]


def add_deployment(gh: FakeGitHub, repo: str, environment: str, sha: str, *states: str, ref: str = "main") -> int:
    fake = gh.repos[repo.lower()]
    deployment = FakeDeployment(
        id=number_of(f"{repo}/deployment/{len(fake.deployments)}/{environment}"),
        environment=environment,
        sha=sha,
        ref=ref,
        created_at=gh.now(),
        states=list(states),
    )
    fake.deployments.append(deployment)
    return deployment.id


def _deployment_json(gh: FakeGitHub, repo: FakeRepo, d: FakeDeployment) -> JsonObject:
    url = f"{gh.url}/repos/{repo.full_name}/deployments/{d.id}"
    return {
        "url": url, "id": d.id, "node_id": node_id("DE", d.id), "sha": d.sha, "ref": d.ref, "task": "deploy",
        "payload": {}, "original_environment": d.environment, "environment": d.environment, "description": None,
        "creator": simple_user("ana", api=gh.url), "created_at": stamp(d.created_at),
        "updated_at": stamp(d.created_at), "statuses_url": f"{url}/statuses",
        "repository_url": f"{gh.url}/repos/{repo.full_name}", "transient_environment": False,
        "production_environment": d.environment == "production",
    }  # fmt: skip


def _status_json(gh: FakeGitHub, repo: FakeRepo, d: FakeDeployment, index: int, when: datetime) -> JsonObject:
    url = f"{gh.url}/repos/{repo.full_name}/deployments/{d.id}"
    status_id = d.id * 100 + index
    return {
        "url": f"{url}/statuses/{status_id}", "id": status_id, "node_id": node_id("DES", status_id),
        "state": d.states[index], "creator": simple_user("ana", api=gh.url), "description": "",
        "environment": d.environment, "target_url": "", "log_url": "", "environment_url": "",
        "created_at": stamp(when), "updated_at": stamp(when), "deployment_url": url,
        "repository_url": f"{gh.url}/repos/{repo.full_name}",
    }  # fmt: skip


def _list_deployments(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo(call)
    wanted = {k: call.query[k] for k in ("environment", "sha", "ref") if call.query.get(k)}
    found = [d for d in reversed(repo.deployments) if all(getattr(d, k) == v for k, v in wanted.items())]
    return paged(gh.url, call, [_deployment_json(gh, repo, d) for d in found])


def _list_statuses(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo(call)
    deployment = next((d for d in repo.deployments if d.id == int(call.params["id"])), None)
    if deployment is None:
        return Reply(status=404, body=dict(NOT_FOUND))
    statuses = [_status_json(gh, repo, deployment, i, deployment.created_at) for i in range(len(deployment.states))]
    return paged(gh.url, call, statuses[::-1])


def _commit_json(gh: FakeGitHub, repo: FakeRepo, commit: FakeCommit, parent: str | None) -> JsonObject:
    api = f"{gh.url}/repos/{repo.full_name}"
    person: JsonObject = {"name": commit.author, "email": f"{commit.author}@acme.test", "date": "2026-11-30T09:00:00Z"}
    return {
        "url": f"{api}/commits/{commit.sha}", "sha": commit.sha, "node_id": node_id("C", number_of(commit.sha)),
        "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
        "comments_url": f"{api}/commits/{commit.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{commit.sha}", "author": person, "committer": person, "message": commit.message,
            "tree": {"sha": _sha(f"tree:{commit.sha}"), "url": f"{api}/git/trees/{_sha(f'tree:{commit.sha}')}"},
            "comment_count": 0,
        },
        "author": simple_user(commit.author, api=gh.url), "committer": simple_user(commit.author, api=gh.url),
        "parents": [{"sha": parent, "url": f"{api}/commits/{parent}"}] if parent else [],
    }  # fmt: skip


def _compare(gh: FakeGitHub, call: Call) -> Reply:
    repo = _repo(call)
    shas = [c.sha for c in repo.history]
    base, head = call.params["base"], call.params["head"]
    if base not in shas or head not in shas:
        return Reply(status=404, body=error("Not Found"))
    start, end = shas.index(base), shas.index(head)
    ahead = repo.history[start + 1 : end + 1] if end > start else []
    per_page = min(int(call.query.get("per_page") or 250), 250)
    commits = [_commit_json(gh, repo, c, shas[shas.index(c.sha) - 1]) for c in ahead[:per_page]]
    web = f"{WEB}/{repo.full_name}/compare/{base}...{head}"
    base_commit = _commit_json(gh, repo, repo.history[start], shas[start - 1] if start else None)
    return Reply(status=200, body={
        "url": f"{gh.url}{call.path}", "html_url": web, "permalink_url": web, "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch", "base_commit": base_commit, "merge_base_commit": base_commit,
        "status": "ahead" if ahead else ("identical" if end == start else "behind"),
        "ahead_by": len(ahead), "behind_by": max(0, start - end), "total_commits": len(ahead), "commits": commits,
    })  # fmt: skip


def _repo(call: Call) -> FakeRepo:
    assert call.repo is not None  # the router answers 404 for a repository it does not have
    return call.repo


HISTORY_ROUTES: list[tuple[str, str, Callable[[FakeGitHub, Call], Reply]]] = [
    ("GET", rf"{R}/deployments", _list_deployments),
    ("GET", rf"{R}/deployments/(?P<id>\d+)/statuses", _list_statuses),
    ("GET", rf"{R}/compare/(?P<base>[0-9a-f]{{40}})\.\.\.(?P<head>[0-9a-f]{{40}})", _compare),
]
