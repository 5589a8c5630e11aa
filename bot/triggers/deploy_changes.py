"""GitHub's deployment events → typed changes: a deployment waiting on opsbot's protection rule, and the states
its deployment reports afterwards. Read with readers that never raise: a field of the wrong type reads as absent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.jsonvalue import JsonObject, dig, number, obj, objects, optional_text, text


@dataclass(frozen=True, kw_only=True)
class DeploymentGate:
    """A deployment job waiting on opsbot's protection rule (`deployment_protection_rule.requested`)."""

    environment: str
    ref: str | None  # a branch or tag name (without refs/heads/)
    sha: str | None
    run_id: int | None  # the workflow run to answer for, from `deployment_callback_url`
    run_url: str | None  # where GitHub shows that run (from the repository's own address: GHES too)
    callback_url: str | None
    deployment_id: int | None
    creator: str | None  # who triggered the deployment (a GitHub login)
    prs: tuple[int, ...]

    @property
    def branch(self) -> str | None:
        return self.ref

    def values(self) -> JsonObject:
        return {
            "environment": self.environment,
            "ref": self.ref,
            "branch": self.ref,
            "sha": self.sha,
            "run_id": self.run_id,
            "run_url": self.run_url,
            "deployment_id": self.deployment_id,
            "creator": self.creator,
            "prs": list(self.prs),
        }


@dataclass(frozen=True, kw_only=True)
class DeploymentState:
    """A deployment reports a state (`deployment_status.created`): in_progress, success, failure, error, …"""

    environment: str
    state: str
    deployment_id: int | None
    ref: str | None
    url: str | None  # where GitHub shows it (the status's target)

    @property
    def branch(self) -> str | None:
        return self.ref

    def values(self) -> JsonObject:
        return {"environment": self.environment, "state": self.state, "deployment_id": self.deployment_id}


CALLBACK = re.compile(r"/repos/([^/]+/[^/]+)/actions/runs/(\d{1,19})/deployment_protection_rule$")


def deployment_gate(body: dict[str, object]) -> DeploymentGate:
    """The run to answer for is read from `deployment_callback_url`, and only when that URL names this very
    repository: opsbot answers through its own GitHub client, never by posting to a URL from a payload."""
    callback = optional_text(body.get("deployment_callback_url"))
    found = CALLBACK.search(callback or "")
    repo = text(dig(body, "repository", "full_name")).lower()
    run_id = int(found.group(2)) if found and found.group(1).lower() == repo else None
    web = text(dig(body, "repository", "html_url"))
    ref = optional_text(body.get("ref")) or optional_text(dig(body, "deployment", "ref"))
    prs = (number(p.get("number")) for p in objects(body.get("pull_requests")))
    creator = optional_text(dig(body, "deployment", "creator", "login")) or optional_text(dig(body, "sender", "login"))
    return DeploymentGate(
        environment=text(body.get("environment")) or text(dig(body, "deployment", "environment")),
        ref=ref.removeprefix("refs/heads/").removeprefix("refs/tags/") if ref else None,
        sha=optional_text(body.get("sha")) or optional_text(dig(body, "deployment", "sha")),
        run_id=run_id,
        run_url=f"{web}/actions/runs/{run_id}" if run_id and web else None,
        callback_url=callback,
        deployment_id=number(dig(body, "deployment", "id")),
        creator=creator,
        prs=tuple(n for n in prs if n is not None),
    )


def deployment_state(body: dict[str, object]) -> DeploymentState:
    item = obj(body.get("deployment_status"))
    return DeploymentState(
        environment=text(item.get("environment")) or text(dig(body, "deployment", "environment")),
        state=text(item.get("state")),
        deployment_id=number(dig(body, "deployment", "id")),
        ref=optional_text(dig(body, "deployment", "ref")),
        url=optional_text(item.get("target_url")) or optional_text(item.get("log_url")),
    )


def gate_key(repo: str, gate: DeploymentGate) -> str:
    """A deployment gate's thread: one per workflow run and environment (what GitHub asks opsbot to answer)."""
    return f"gh:{repo.lower()}:gate:{gate.run_id or gate.deployment_id}:{gate.environment.lower()}"


def deployment_key(repo: str, deployment_id: int) -> str:
    """An alias of a gate's thread by its deployment, for the `deployment_status` events that follow."""
    return f"gh:{repo.lower()}:deployment:{deployment_id}"
