"""The fake GitHub's answer bodies: GitHub's documented shapes over the fake's state, with the fake's own URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.jsonvalue import JsonList, JsonObject
from bot.sandbox.fakes.github import objects
from bot.sandbox.fakes.github.github_state import CheckRun, FakeIssue, FakePull, FakeRepo, FakeRun, FakeWorkflow
from bot.sandbox.fakes.github.shapes import (
    WEB,
    full_repository,
    minimal_repository,
    node_id,
    private_user,
    repository,
    sha,
    stamp,
)


class GitHubPayloads:
    """Mixed into FakeGitHub: every answer body, with the fake's own URL as the API root."""

    url: str
    login: str
    now: Callable[[], datetime]

    def user_json(self, login: str) -> JsonObject:
        return private_user(login, api=self.url, now=self.now())

    def repo_json(self, repo: FakeRepo) -> JsonObject:
        return full_repository(repo.full_name, repo.id, private=repo.private, api=self.url)

    def listed_repo_json(self, repo: FakeRepo) -> JsonObject:
        return repository(repo.full_name, repo.id, private=repo.private, api=self.url)

    def pull_json(self, repo: FakeRepo, pull: FakePull, *, listed: bool = False) -> JsonObject:
        return objects.pull_request(repo, pull, api=self.url, listed=listed)

    def issue_json(self, repo: FakeRepo, issue: FakeIssue) -> JsonObject:
        return objects.issue(repo, issue, api=self.url)

    def pull_as_issue_json(self, repo: FakeRepo, pull: FakePull) -> JsonObject:
        return objects.issue(repo, pull.as_issue(), api=self.url, pull=True)

    def run_json(self, repo: FakeRepo, run: FakeRun) -> JsonObject:
        return objects.workflow_run(repo, run, api=self.url)

    def workflow_json(self, repo: FakeRepo, workflow: FakeWorkflow) -> JsonObject:
        return objects.workflow(repo, workflow, when=self.now(), api=self.url)

    def comment_json(self, repo: FakeRepo, number: int, comment_id: int, body: str) -> JsonObject:
        return objects.comment(repo, number, comment_id, body, login=self.login, when=self.now(), api=self.url)

    def merge_json(self, commit: str, method: str) -> JsonObject:
        """`PUT /pulls/{n}/merge` ("pull-request-merge-result")."""
        done = {"merge": "merged", "squash": "squashed and merged", "rebase": "rebased and merged"}[method]
        return {"sha": commit, "merged": True, "message": f"Pull Request successfully {done}"}

    def combined_status_json(self, repo: FakeRepo, commit: str, statuses: list[tuple[str, str]]) -> JsonObject:
        """`GET /commits/{ref}/status` ("combined-commit-status"): failure beats pending beats success."""
        states = {state for _, state in statuses}
        combined = (
            "failure"
            if states & {"failure", "error"}
            else "pending"
            if "pending" in states or not states
            else "success"
        )
        now, base = stamp(self.now()), f"{self.url}/repos/{repo.full_name}"
        items: JsonList = [
            {
                "id": number,
                "node_id": node_id("SC", number),
                "state": state,
                "context": context,
                "description": f"{context}: {state}",
                "target_url": None,
                "avatar_url": None,
                "url": f"{base}/statuses/{commit}",
                "created_at": now,
                "updated_at": now,
            }
            for number, (context, state) in enumerate(statuses, start=1)
        ]
        return {
            "state": combined,
            "statuses": items,
            "sha": commit,
            "total_count": len(items),
            "repository": minimal_repository(repo.full_name, repo.id, private=repo.private, api=self.url),
            "commit_url": f"{base}/commits/{commit}",
            "url": f"{base}/commits/{commit}/status",
        }

    def check_run_json(self, repo: FakeRepo, commit: str, number: int, check: CheckRun) -> JsonObject:
        """One "check-run", as `GET /commits/{ref}/check-runs` lists them (made by GitHub Actions)."""
        name, status, conclusion = check
        run_id = int(sha(f"{repo.full_name}@{commit}/{number}/{name}")[:8], 16)
        now = stamp(self.now())
        return {
            "id": run_id,
            "head_sha": commit,
            "node_id": node_id("CR", run_id),
            "external_id": f"job-{number}",
            "url": f"{self.url}/repos/{repo.full_name}/check-runs/{run_id}",
            "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run_id}/job/{run_id}",
            "details_url": f"{WEB}/{repo.full_name}/actions/runs/{run_id}/job/{run_id}",
            "status": status,
            "conclusion": conclusion,
            "started_at": now,
            "completed_at": now if status == "completed" else None,
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{self.url}/repos/{repo.full_name}/check-runs/{run_id}/annotations",
            },
            "name": name,
            "check_suite": {"id": run_id // 7},
            "app": objects.actions_app(api=self.url),
            "pull_requests": [],
        }
