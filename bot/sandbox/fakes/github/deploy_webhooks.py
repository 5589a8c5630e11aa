"""GitHub's `deployment_protection_rule` webhook: a deployment job waits on opsbot's GitHub App, from our own values.

GitHub sends it to the App that provides an environment's custom protection rule when a workflow job targets that
environment; the App answers through `deployment_callback_url` (the workflow run's `deployment_protection_rule`
endpoint) with `approved` or `rejected`.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes.github.shapes import API, node_id, number_of, sha, simple_user, stamp
from bot.sandbox.fakes.github.webhook_parts import REPO, Webhook, envelope, now_or, repo_of

INSTALLATION_ID = 4242700


def deployment_protection_rule_requested(
    *,
    repo: str = REPO,
    environment: str = "production",
    ref: str = "main",
    head_sha: str | None = None,
    run_id: int = 4300,
    sender: str = "ana",
    at: datetime | None = None,
) -> Webhook:
    """`deployment_protection_rule.requested`: a job of workflow run `run_id` waits to deploy `ref` to
    `environment`, and asks opsbot's App (the payload names its installation)."""
    when, owner = stamp(now_or(at)), repo_of(repo)
    commit = head_sha or sha(f"{repo}@{ref}")
    deployment = _deployment(repo, environment, ref, commit, run_id, sender, when)
    deployment |= {"transient_environment": False, "production_environment": environment == "production"}
    payload: JsonObject = {
        "action": "requested",
        "environment": environment,
        "event": "push",
        "sha": commit,
        "ref": f"refs/heads/{ref}",
        "deployment_callback_url": f"{API}/repos/{repo}/actions/runs/{run_id}/deployment_protection_rule",
        "deployment": deployment,
        "pull_requests": [],
        "installation": {"id": INSTALLATION_ID, "node_id": node_id("IN", INSTALLATION_ID)},
    }
    return Webhook("deployment_protection_rule", payload | envelope(owner, sender))


def deployment_status_created(
    *,
    repo: str = REPO,
    environment: str = "production",
    ref: str = "main",
    head_sha: str | None = None,
    run_id: int = 4300,
    state: str = "success",
    sender: str = "ana",
    at: datetime | None = None,
) -> Webhook:
    """`deployment_status.created`: the deployment of run `run_id` (the one its gate was asked for) reports a
    state (`in_progress`, `success`, `failure`, `error`, …)."""
    when, owner = stamp(now_or(at)), repo_of(repo)
    commit = head_sha or sha(f"{repo}@{ref}")
    deployment = _deployment(repo, environment, ref, commit, run_id, sender, when)
    deployment_url = str(deployment["url"])
    status_id = number_of(f"{repo}/deploy/{run_id}/{environment}/{state}")
    status: JsonObject = {
        "url": f"{deployment_url}/statuses/{status_id}",
        "id": status_id,
        "node_id": node_id("DES", status_id),
        "state": state,
        "creator": simple_user(sender),
        "description": "",
        "environment": environment,
        "target_url": f"https://github.com/{repo}/actions/runs/{run_id}",
        "created_at": when,
        "updated_at": when,
        "deployment_url": deployment_url,
        "repository_url": f"{API}/repos/{repo}",
    }
    payload: JsonObject = {"action": "created", "deployment": deployment, "deployment_status": status}
    return Webhook("deployment_status", payload | envelope(owner, sender))


def _deployment(repo: str, environment: str, ref: str, commit: str, run_id: int, sender: str, when: str) -> JsonObject:
    """The deployment a workflow job of run `run_id` creates for `environment` (its id follows from both)."""
    deployment_id = number_of(f"{repo}/deploy/{run_id}/{environment}")
    url = f"{API}/repos/{repo}/deployments/{deployment_id}"
    return {
        "url": url,
        "id": deployment_id,
        "node_id": node_id("DE", deployment_id),
        "sha": commit,
        "ref": ref,
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": None,
        "creator": simple_user(sender),
        "created_at": when,
        "updated_at": when,
        "statuses_url": f"{url}/statuses",
        "repository_url": f"{API}/repos/{repo}",
    }
