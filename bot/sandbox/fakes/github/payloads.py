"""GitHub's JSON shapes for the fake's state, built from the recorded templates."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.sandbox.fakes.github.replay import GITHUB_API, _retarget, recorded_json
from bot.sandbox.fakes.github.state import FakeIssue, FakePull, FakeRepo, FakeRun, FakeWorkflow, _sha, _stamp


class GitHubPayloads:
    """Mixed into FakeGitHub: every answer body, with the fake's own URL."""

    url: str
    login: str
    now: Callable[[], datetime]

    # -- JSON shapes, from the recorded templates --

    def _fix(self, value: Any, old_repo: str, repo: FakeRepo) -> Any:
        owner = repo.full_name.split("/")[0]
        return _retarget(value, [(GITHUB_API, self.url), (old_repo, repo.full_name), (old_repo.split("/")[0], owner)])

    def user_json(self, login: str) -> dict[str, Any]:
        user = recorded_json("Exceptions.testUnknownObject", 0)
        user = _retarget(user, [(GITHUB_API, self.url), ("jacquev6", login)])
        user.update(login=login, id=int(_sha(login)[:6], 16))
        return dict(user)

    def team_json(self, repo: FakeRepo, slug: str) -> dict[str, Any]:
        """GitHub's "team-simple" shape, as in a pull request's requested_teams (REST reference, Teams)."""
        org, team_id = repo.full_name.split("/")[0], zlib.crc32(slug.encode())
        return {
            "id": team_id,
            "node_id": f"T_{slug}",
            "url": f"{self.url}/organizations/1/team/{team_id}",
            "html_url": f"https://github.com/orgs/{org}/teams/{slug}",
            "name": slug.replace("-", " ").title(),
            "slug": slug,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "members_url": f"{self.url}/organizations/1/team/{team_id}/members{{/member}}",
            "repositories_url": f"{self.url}/organizations/1/team/{team_id}/repos",
            "parent": None,
        }

    def repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        data = self._fix(recorded_json("Workflow.testCreateDispatchException", 0), "test-org/test-repo", repo)
        data.update(id=repo.id, name=repo.full_name.split("/")[1], full_name=repo.full_name, private=repo.private)
        data.update(default_branch="main", url=f"{self.url}/repos/{repo.full_name}")
        data["owner"]["login"] = repo.full_name.split("/")[0]
        return dict(data)

    def pull_json(self, repo: FakeRepo, pull: FakePull, *, listed: bool = False) -> dict[str, Any]:
        data = recorded_json("PullRequest.testMergeWithCommitMessage", 0)
        data = self._fix(_retarget(data, [("BeaverSoftware/PyGithub", "PyGithub/PyGithub")]), "PyGithub/PyGithub", repo)
        data.update(
            number=pull.number,
            id=repo.id * 1000 + pull.number,
            title=pull.title,
            body=pull.body,
            state=pull.state,
            url=f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}",
            html_url=f"https://github.com/{repo.full_name}/pull/{pull.number}",
            created_at=_stamp(pull.created_at),
            updated_at=_stamp(pull.created_at),
            merged=pull.merged,
            mergeable=pull.mergeable,
            mergeable_state=pull.mergeable_state,
            draft=pull.draft,  # the recorded exchange predates these three fields; GitHub sends them on list and get
            requested_reviewers=[self.user_json(login) for login in pull.requested_reviewers],
            requested_teams=[self.team_json(repo, slug) for slug in pull.requested_teams],
        )
        data["user"] = self.user_json(pull.author)
        data["head"].update(ref=pull.head, sha=pull.head_sha, label=f"{repo.full_name.split('/')[0]}:{pull.head}")
        data["base"].update(ref=pull.base, sha=_sha(pull.base), label=f"{repo.full_name.split('/')[0]}:{pull.base}")
        if listed:  # the list endpoint leaves out what GitHub computes per pull request
            for key in (
                "merged",
                "mergeable",
                "mergeable_state",
                "comments",
                "commits",
                "additions",
                "deletions",
            ):
                data.pop(key, None)
        return dict(data)

    def issue_json(self, repo: FakeRepo, issue: FakeIssue) -> dict[str, Any]:
        data = self._fix(recorded_json("Repository.testCreateIssue", 0), "PyGithub/PyGithub", repo)
        data.pop("pull_request", None)
        data.update(
            number=issue.number,
            id=repo.id * 1000 + issue.number,
            title=issue.title,
            body=issue.body,
            state=issue.state,
            url=f"{self.url}/repos/{repo.full_name}/issues/{issue.number}",
            html_url=f"https://github.com/{repo.full_name}/issues/{issue.number}",
            created_at=_stamp(issue.created_at),
            updated_at=_stamp(issue.created_at),
        )
        data["user"] = self.user_json(issue.user)
        return dict(data)

    def pull_as_issue_json(self, repo: FakeRepo, pull: FakePull) -> dict[str, Any]:
        issue = FakeIssue(
            number=pull.number, title=pull.title, body=pull.body, user=pull.author, created_at=pull.created_at
        )
        data = self.issue_json(repo, issue)
        html = f"https://github.com/{repo.full_name}/pull/{pull.number}"
        data.update(html_url=html, pull_request={"url": f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}"})
        return data

    def run_json(self, repo: FakeRepo, run: FakeRun) -> dict[str, Any]:
        data = self._fix(recorded_json("WorkflowRun.setUp", 1), "PyGithub/PyGithub", repo)
        url = f"{self.url}/repos/{repo.full_name}/actions/runs/{run.id}"
        data.update(
            id=run.id,
            name=run.name,
            display_title=run.title or run.name,
            head_commit={"id": run.head_sha, "message": run.title or run.name},
            head_branch=run.branch,
            head_sha=run.head_sha,
            status=run.status,
            conclusion=run.conclusion,
            event=run.event,
            run_attempt=run.attempt,
            created_at=_stamp(run.created_at),
            updated_at=_stamp(run.created_at),
            run_started_at=_stamp(run.created_at),
            url=url,
            jobs_url=f"{url}/jobs",
            rerun_url=f"{url}/rerun",
            html_url=f"https://github.com/{repo.full_name}/actions/runs/{run.id}",
        )
        return dict(data)

    def workflow_json(self, repo: FakeRepo, workflow: FakeWorkflow) -> dict[str, Any]:
        data = self._fix(recorded_json("Workflow.testCreateDispatchWithBranch", 1), "wrecker/PyGithub", repo)
        data.update(
            id=workflow.id,
            name=workflow.name,
            path=f".github/workflows/{workflow.file}",
            url=f"{self.url}/repos/{repo.full_name}/actions/workflows/{workflow.id}",
            html_url=f"https://github.com/{repo.full_name}/blob/main/.github/workflows/{workflow.file}",
        )
        return dict(data)

    def comment_json(self, repo: FakeRepo, number: int, comment_id: int, body: str) -> dict[str, Any]:
        data = self._fix(recorded_json("Issue.testCreateComment", 0), "PyGithub/PyGithub", repo)
        now = _stamp(self.now())
        data.update(
            id=comment_id,
            body=body,
            created_at=now,
            updated_at=now,
            url=f"{self.url}/repos/{repo.full_name}/issues/comments/{comment_id}",
            html_url=f"https://github.com/{repo.full_name}/issues/{number}#issuecomment-{comment_id}",
            issue_url=f"{self.url}/repos/{repo.full_name}/issues/{number}",
        )
        data["user"] = self.user_json(self.login)
        return dict(data)
