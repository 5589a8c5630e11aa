"""The shapes of the webhook bodies opsbot reads (GitHub's events, Alertmanager's version 4), checked at the edge.

Only the fields opsbot reads are checked (bot/triggers/github_changes.py, bot/triggers/alerts.py), each against the
type its sender documents, with numbers bounded the way the tools bound them; any other field may be anything.
A body that fails is answered 400 and never stored, so the inbox holds only bodies its readers understand.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.core.jsonvalue import JsonObject
from bot.edges.bounded_json import describe
from integrations.github.github_args import PR_NUMBER_MAX, RUN_ID_MAX

PrNumber = Annotated[int, Field(ge=1, le=PR_NUMBER_MAX)]  # bounded as the tools bound them
Id = Annotated[int, Field(ge=1, le=RUN_ID_MAX)]  # a run's, job's or check's id
Count = Annotated[int, Field(ge=0, le=RUN_ID_MAX)]
Sha = Annotated[str, StringConstraints(max_length=64)]
Ref = Annotated[str, StringConstraints(max_length=255)]
Name = Annotated[str, StringConstraints(max_length=255)]


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class _Login(_Shape):
    login: Annotated[str, StringConstraints(max_length=64)] | None = None


class _Repository(_Shape):
    full_name: Annotated[str, StringConstraints(max_length=140)] | None = None  # owner (39) / name (100)


class _Branch(_Shape):
    ref: Ref | None = None
    sha: Sha | None = None


class _Pull(_Shape):
    number: PrNumber | None = None
    title: str | None = None
    html_url: str | None = None
    user: _Login | None = None
    head: _Branch | None = None
    base: _Branch | None = None
    additions: Count | None = None
    deletions: Count | None = None
    changed_files: Count | None = None
    merged: bool | None = None
    state: Name | None = None


class _Named(_Shape):
    name: Name | None = None


class _Numbered(_Shape):
    number: PrNumber | None = None


class _Suite(_Shape):
    head_branch: Ref | None = None


class _Ci(_Shape):
    """A workflow run, a workflow job or a check run."""

    id: Id | None = None
    run_id: Id | None = None
    name: Name | None = None
    workflow_name: Name | None = None
    workflow: _Named | None = None
    head_branch: Ref | None = None
    head_sha: Sha | None = None
    conclusion: Name | None = None
    run_attempt: Count | None = None
    html_url: str | None = None
    pull_requests: list[_Numbered] | None = None
    check_suite: _Suite | None = None


class _Comment(_Shape):
    body: str | None = None


class _NumberedPull(_Pull):
    number: PrNumber  # its thread is the PR's: GitHub always names it


class _CiOnACommit(_Ci):
    head_sha: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # a PR-less run's thread is its commit's


class GitHubBody(_Shape):
    action: Name | None = None
    repository: _Repository | None = None
    sender: _Login | None = None
    pull_request: _Pull | None = None
    workflow_run: _Ci | None = None
    workflow_job: _Ci | None = None
    check_run: _Ci | None = None
    issue: _Numbered | None = None
    comment: _Comment | None = None
    ref: Ref | None = None
    after: Sha | None = None


class _Alert(_Shape):
    status: Literal["firing", "resolved"] | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    startsAt: str | None = None
    fingerprint: str | None = None
    generatorURL: str | None = None


class AlertmanagerBody(_Shape):
    """Alertmanager's webhook payload, version 4 (its `version` is the string "4")."""

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    groupKey: str = ""
    alerts: list[_Alert]
    commonLabels: dict[str, str] | None = None
    commonAnnotations: dict[str, str] | None = None
    externalURL: str | None = None


class PullRequestEvent(GitHubBody):
    pull_request: _NumberedPull


class WorkflowRunEvent(GitHubBody):
    workflow_run: _CiOnACommit


class WorkflowJobEvent(GitHubBody):
    workflow_job: _CiOnACommit


class CheckRunEvent(GitHubBody):
    check_run: _CiOnACommit


class _Deployment(_Shape):
    id: Id | None = None
    sha: Sha | None = None
    ref: Ref | None = None
    environment: Name | None = None
    creator: _Login | None = None


class DeploymentProtectionRuleEvent(GitHubBody):
    """A deployment job waiting on opsbot: which environment, and where to answer (the run is read from it)."""

    environment: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    deployment_callback_url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    sha: Sha | None = None
    ref: Ref | None = None
    deployment: _Deployment | None = None
    pull_requests: list[_Numbered] | None = None


EVENT_SHAPES: dict[str, type[GitHubBody]] = {
    "deployment_protection_rule": DeploymentProtectionRuleEvent,
    "pull_request": PullRequestEvent,
    "workflow_run": WorkflowRunEvent,
    "workflow_job": WorkflowJobEvent,
    "check_run": CheckRunEvent,
}


def github_problem(name: str, payload: JsonObject) -> str | None:
    """Why this body of the GitHub event `name` is not the shape GitHub documents for what opsbot reads, or None."""
    return _problem(EVENT_SHAPES.get(name, GitHubBody), payload)


def alertmanager_problem(payload: JsonObject) -> str | None:
    return _problem(AlertmanagerBody, payload)


def _problem(shape: type[_Shape], payload: JsonObject) -> str | None:
    try:
        shape.model_validate(payload)
    except ValidationError as exc:
        return describe(exc, payload)
    return None
