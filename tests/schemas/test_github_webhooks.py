"""Every webhook body we build, against githubkit's webhook models (generated from GitHub's webhook schemas)."""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable
from typing import Any

import githubkit.webhooks
import pydantic
import pytest

from bot.sandbox import demo
from bot.sandbox.fakes.github import ci_webhooks, deploy_webhooks, webhook_parts, webhooks
from bot.sandbox.fakes.github.webhooks import Webhook
from tests.schemas.github_models import models, validate, webhook_event

BUILDS: list[tuple[str, Callable[[], Webhook], type[pydantic.BaseModel]]] = [
    ("pull_request", lambda: webhooks.pull_request(), models.WebhookPullRequestOpened),
    ("pull_request", lambda: webhooks.pull_request("reopened"), models.WebhookPullRequestReopened),
    ("pull_request", lambda: webhooks.pull_request("synchronize"), models.WebhookPullRequestSynchronize),
    ("pull_request", lambda: webhooks.pull_request("closed"), models.WebhookPullRequestClosed),
    (
        "pull_request",
        lambda: webhooks.pull_request("closed", merged=True, sender="ben"),
        models.WebhookPullRequestClosed,
    ),
    ("check_run_completed", lambda: webhooks.check_run_completed(), models.WebhookCheckRunCompleted),
    ("check_run_completed", lambda: webhooks.check_run_completed(pull=None), models.WebhookCheckRunCompleted),
    ("workflow_job_completed", lambda: webhooks.workflow_job_completed(), models.WebhookWorkflowJobCompleted),
    ("workflow_run_completed", lambda: webhooks.workflow_run_completed(), models.WebhookWorkflowRunCompleted),
    (
        "workflow_run_completed",
        lambda: webhooks.workflow_run_completed(conclusion="success", pulls=(7,), attempt=2),
        models.WebhookWorkflowRunCompleted,
    ),
    ("issue_comment_created", lambda: webhooks.issue_comment_created(), models.WebhookIssueCommentCreated),
    ("issue_comment_created", lambda: webhooks.issue_comment_created(pull=False), models.WebhookIssueCommentCreated),
    ("ping", lambda: webhooks.ping(), models.WebhookPing),
    ("push", lambda: webhooks.push(), models.WebhookPush),
    ("push", lambda: webhooks.push(before="1" * 40), models.WebhookPush),
    (
        "deployment_protection_rule_requested",
        lambda: webhooks.deployment_protection_rule_requested(),
        models.WebhookDeploymentProtectionRuleRequested,
    ),
    (
        "deployment_protection_rule_requested",
        lambda: webhooks.deployment_protection_rule_requested(repo="acme/web", environment="staging", ref="v1.4.0"),
        models.WebhookDeploymentProtectionRuleRequested,
    ),
    ("deployment_status_created", lambda: webhooks.deployment_status_created(), models.WebhookDeploymentStatusCreated),
    (
        "deployment_status_created",
        lambda: webhooks.deployment_status_created(state="failure", environment="staging"),
        models.WebhookDeploymentStatusCreated,
    ),
]
IDS = [f"{i}-{builder}" for i, (builder, _, _) in enumerate(BUILDS)]


@pytest.mark.parametrize(("builder", "build", "model"), BUILDS, ids=IDS)
def test_the_body_is_githubs_webhook_schema(builder: str, build: Callable[[], Webhook], model: type[Any]) -> None:
    hook = build()
    raw = json.dumps(hook.payload)
    strict = validate(webhook_event(hook.event), raw)
    assert type(strict) is model, f"{hook.name} validated as {type(strict).__name__}"
    latest = githubkit.webhooks.parse(hook.event, raw)  # what an app on githubkit's newest schemas would get
    assert type(latest).__name__ == model.__name__


def test_every_builder_is_checked() -> None:
    """A builder added to either webhook module, and not to BUILDS, fails here."""
    built = {
        name
        for module in (webhooks, ci_webhooks, deploy_webhooks, webhook_parts)
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and fn.__module__ == module.__name__ and fn.__annotations__.get("return") == "Webhook"
    }
    assert built == {builder for builder, _, _ in BUILDS}
    assert built <= set(webhooks.__all__)


def test_a_webhook_missing_a_required_field_fails_the_check() -> None:
    payload = webhooks.workflow_run_completed().payload
    validate(webhook_event("workflow_run"), json.dumps(payload))  # as built, it passes
    broken: dict[str, Any] = copy.deepcopy(payload)
    del broken["workflow_run"]["head_sha"]
    with pytest.raises(pydantic.ValidationError, match=r"workflow_run\.head_sha\n  Field required"):
        validate(webhook_event("workflow_run"), json.dumps(broken))
    with pytest.raises(pydantic.ValidationError, match="head_sha"):
        githubkit.webhooks.parse_obj("workflow_run", broken)


def test_the_sandbox_signs_its_deliveries_as_github_does() -> None:
    hook = webhooks.workflow_job_completed()
    body, headers = demo.signed_webhook(hook.event, hook.payload)
    assert headers["X-GitHub-Event"] == "workflow_job"
    assert githubkit.webhooks.verify(demo.WEBHOOK_SECRET, body, headers["X-Hub-Signature-256"])
    assert not githubkit.webhooks.verify("another-secret", body, headers["X-Hub-Signature-256"])
