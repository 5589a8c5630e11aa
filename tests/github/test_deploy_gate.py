"""`review_deployment` through PyGithub against the fake GitHub: the preview reads the run and its commit's checks
now; the answer is one POST to the run's deployment_protection_rule endpoint, in GitHub's documented body; a
second answer is refused by GitHub and said clearly; an unknown run is not found before any card."""

from __future__ import annotations

import json

import pytest

from bot.core.errors import NotFound, ToolError
from bot.core.tool_registry import ToolRegistry
from integrations.github import GitHubGateway
from integrations.github.deploy_gate import ReviewDeploymentArgs, gate_tools, review_body, review_path
from tests.fakes.github import FakeGitHub
from tests.schemas.github_models import models, validate
from tests.tool_calls import preview, run


@pytest.fixture
def gates(gw: GitHubGateway) -> ToolRegistry:
    return ToolRegistry(gate_tools(gw))


ARGS = {"repo": "acme/api", "run_id": 4312, "environment": "production"}


async def test_the_preview_shows_the_run_and_the_commits_checks(gates: ToolRegistry, gh: FakeGitHub) -> None:
    run_ = gh.add_run("acme/api", 4312, name="Deploy", branch="release/1.4", conclusion=None, status="waiting")
    gh.set_status(run_.head_sha, "ci/test", "failure")
    shown = await preview(gates, "review_deployment", **ARGS)
    assert shown.title == "Approve deployment to production in acme/api"
    fields = dict(shown.fields)
    assert fields["Ref"] == f"`release/1.4` · commit `{run_.head_sha[:7]}`" and "Deploy #4312" in fields["Workflow run"]
    assert shown.warnings and "failing" in shown.warnings[0]
    assert gh.repos["acme/api"].gate_reviews == []  # a preview answers nothing


async def test_the_answer_is_sent_once_in_githubs_shape(gates: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
    result = await run(gates, "review_deployment", **ARGS)
    assert "Approved the deployment of run 4312 to `production`" in result.text
    [review] = gh.repos["acme/api"].gate_reviews
    assert review == {"run_id": 4312, "environment": "production", "state": "approved",
                      "comment": "Approved in Slack through opsbot's approval policy."}  # fmt: skip
    [sent] = [r for r in gh.requests if r.method == "POST"]
    assert sent.path == review_path("acme/api", 4312)
    validate(models.ReviewCustomGatesStateRequired, json.dumps(sent.json))  # the body GitHub documents
    with pytest.raises(ToolError):  # GitHub refuses a second answer: never sent blindly again
        await run(gates, "review_deployment", **ARGS)
    assert len(gh.repos["acme/api"].gate_reviews) == 1


async def test_an_unknown_run_is_not_found_before_any_card(gates: ToolRegistry, gh: FakeGitHub) -> None:
    with pytest.raises(NotFound):
        await preview(gates, "review_deployment", **ARGS)


def test_a_rejection_names_itself_and_a_comment_is_bounded() -> None:
    args = ReviewDeploymentArgs(repo="acme/api", run_id=1, environment="production", state="rejected")
    assert review_body(args)["state"] == "rejected" and "Rejected" in str(review_body(args)["comment"])
    with pytest.raises(ValueError, match="comment"):
        ReviewDeploymentArgs(repo="acme/api", run_id=1, environment="production", comment="x" * 1001)
