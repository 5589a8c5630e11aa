"""GitHub's CI webhook bodies (check_run, workflow_job, workflow_run completed) from a few of our own values."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.jsonvalue import JsonList, JsonObject
from bot.sandbox.fakes.github import objects
from bot.sandbox.fakes.github.github_state import FakeRun, FakeWorkflow
from bot.sandbox.fakes.github.shapes import API, WEB, node_id, number_of, repository_links, sha, stamp
from bot.sandbox.fakes.github.webhook_parts import REPO, Webhook, envelope, now_or, pull_minimal, repo_of


def check_run_completed(
    *,
    repo: str = REPO,
    name: str = "test",
    conclusion: str = "failure",
    head_sha: str | None = None,
    branch: str = "rate-limit",
    pull: int | None = 7,
    sender: str = "ana",
    at: datetime | None = None,
) -> Webhook:
    """`check_run.completed`: one check of a commit finished; `pull` names the pull request it belongs to."""
    when, owner = now_or(at), repo_of(repo)
    commit = head_sha or (sha(f"{repo}#{pull}") if pull else sha(f"{repo}@{branch}"))
    check_id, suite_id = number_of(f"{repo}@{commit}/{name}"), number_of(f"{repo}@{commit}")
    prs: JsonList = [pull_minimal(owner, pull, branch, commit, "main")] if pull else []
    html = f"{WEB}/{repo}/runs/{check_id}"
    check: JsonObject = {
        "id": check_id,
        "name": name,
        "node_id": node_id("CR", check_id),
        "head_sha": commit,
        "external_id": f"job-{check_id}",
        "url": f"{API}/repos/{repo}/check-runs/{check_id}",
        "html_url": html,
        "details_url": html,
        "status": "completed",
        "conclusion": conclusion,
        "started_at": stamp(when - timedelta(minutes=3)),
        "completed_at": stamp(when),
        "output": {
            "title": f"{name}: {conclusion}",
            "summary": f"The {name} job ended in {conclusion}.",
            "text": None,
            "annotations_count": 0,
            "annotations_url": f"{API}/repos/{repo}/check-runs/{check_id}/annotations",
        },
        "check_suite": {
            "id": suite_id,
            "node_id": node_id("CS", suite_id),
            "head_branch": branch,
            "head_sha": commit,
            "status": "completed",
            "conclusion": conclusion,
            "url": f"{API}/repos/{repo}/check-suites/{suite_id}",
            "before": sha(f"{repo}@{commit}~1"),
            "after": commit,
            "pull_requests": prs,
            "app": objects.actions_app(),
            "created_at": stamp(when - timedelta(minutes=4)),
            "updated_at": stamp(when),
        },
        "app": objects.actions_app(),
        "pull_requests": prs,
    }
    payload: JsonObject = {"action": "completed", "check_run": check}
    return Webhook("check_run", payload | envelope(owner, sender))


def workflow_job_completed(
    *,
    repo: str = REPO,
    job: str = "tests",
    run_id: int = 4243,
    conclusion: str = "failure",
    head_sha: str | None = None,
    branch: str = "main",
    workflow: str = "CI",
    attempt: int = 1,
    sender: str = "ana",
    at: datetime | None = None,
) -> Webhook:
    """`workflow_job.completed`: one job of a workflow run finished."""
    when, owner = now_or(at), repo_of(repo)
    job_id, commit = number_of(f"{repo}/{run_id}/{job}"), head_sha or sha(f"run{run_id}")
    started, step = stamp(when - timedelta(minutes=3)), {"status": "completed", "completed_at": stamp(when)}
    steps: JsonList = [
        {"name": "Set up job", "number": 1, "conclusion": "success", "started_at": started, **step},
        {"name": f"Run {job}", "number": 2, "conclusion": conclusion, "started_at": started, **step},
    ]
    item: JsonObject = {
        "id": job_id,
        "run_id": run_id,
        "workflow_name": workflow,
        "head_branch": branch,
        "run_url": f"{API}/repos/{repo}/actions/runs/{run_id}",
        "run_attempt": attempt,
        "node_id": node_id("CR", job_id),
        "head_sha": commit,
        "url": f"{API}/repos/{repo}/actions/jobs/{job_id}",
        "html_url": f"{WEB}/{repo}/actions/runs/{run_id}/job/{job_id}",
        "status": "completed",
        "conclusion": conclusion,
        "created_at": stamp(when - timedelta(minutes=4)),
        "started_at": started,
        "completed_at": stamp(when),
        "name": job,
        "steps": steps,
        "check_run_url": f"{API}/repos/{repo}/check-runs/{job_id}",
        "labels": ["ubuntu-latest"],
        "runner_id": 7,
        "runner_name": "GitHub Actions 7",
        "runner_group_id": 2,
        "runner_group_name": "GitHub Actions",
    }
    payload: JsonObject = {"action": "completed", "workflow_job": item}
    return Webhook("workflow_job", payload | envelope(owner, sender))


def workflow_run_completed(
    *,
    repo: str = REPO,
    run_id: int = 4243,
    conclusion: str = "failure",
    head_sha: str | None = None,
    branch: str = "main",
    name: str = "CI",
    file: str = "ci.yml",
    title: str = "Retry the login rate limiter on Redis timeouts",
    attempt: int = 1,
    pulls: tuple[int, ...] = (),
    sender: str = "ana",
    at: datetime | None = None,
) -> Webhook:
    """`workflow_run.completed`: a whole workflow run finished; `pulls` are the pull requests of its head."""
    when, owner = now_or(at), repo_of(repo)
    flow = FakeWorkflow(id=number_of(f"{repo}:{file}"), file=file, name=name)
    owner.workflows.append(flow)
    run = FakeRun(
        id=run_id,
        name=name,
        branch=branch,
        head_sha=head_sha or sha(f"run{run_id}"),
        conclusion=conclusion,
        created_at=when - timedelta(minutes=4),
        attempt=attempt,
        title=title,
        number=run_id % 1000,
        path=f".github/workflows/{file}",
        actor=sender,
    )
    data = objects.workflow_run(owner, run)
    links = repository_links(repo, owner.id, private=owner.private)
    data.update(repository=links, head_repository=links, updated_at=stamp(when))
    data["pull_requests"] = [pull_minimal(owner, n, branch, run.head_sha, "main") for n in pulls]
    del data["head_repository_id"]
    workflow_json = objects.workflow(owner, flow, when=when)
    body: JsonObject = {"action": "completed", "workflow": workflow_json, "workflow_run": data}
    return Webhook("workflow_run", body | envelope(owner, sender))
