"""`review_deployment` through PyGithub against the fake GitHub: the preview reads the run and its commit's checks
now; the answer is one POST to the run's deployment_protection_rule endpoint, in GitHub's documented body; a
second answer is refused by GitHub and said clearly; an unknown run is not found before any card."""

from __future__ import annotations

import json

import pytest

from bot.core.errors import NotFound, OutcomeUnknown, ToolError
from bot.core.tool_registry import ToolRegistry
from bot.sandbox.fakes.github.deploy_history import add_deployment, add_history
from integrations.github import GitHubGateway
from integrations.github.deploy_gate import ReviewDeploymentArgs, gate_tools, review_body, review_path, ships_text
from integrations.github.ship_list import Shipped, Shipping
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


async def test_a_lost_reply_is_reconciled_from_the_run_never_sent_again(gates: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
    gh.fail_next("POST", "/deployment_protection_rule$", status=502, apply=True)  # taken, but the reply is lost
    result = await run(gates, "review_deployment", **ARGS)
    assert result.data["reconciled"] is True and "the run shows the answer was taken" in result.text
    assert len(gh.repos["acme/api"].gate_reviews) == 1
    assert [r.method for r in gh.requests if "/actions/runs/4312" in r.path] == ["POST", "GET"]  # asked, not resent


@pytest.mark.parametrize("state", ["approved", "rejected"])
async def test_a_lost_answer_github_does_not_show_stays_unknown(
    gates: ToolRegistry, gh: FakeGitHub, state: str
) -> None:
    gh.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
    gh.fail_next("POST", "/deployment_protection_rule$", status=502)  # never reached the run
    with pytest.raises(OutcomeUnknown, match="shows run 4312 as waiting") as lost:
        await run(gates, "review_deployment", **ARGS, state=state)
    assert "GitHub refuses a second answer" in str(lost.value.hint)
    assert gh.repos["acme/api"].gate_reviews == []
    assert [r.method for r in gh.requests if "/actions/runs/4312" in r.path] == ["POST", "GET"]


async def test_an_unknown_run_is_not_found_before_any_card(gates: ToolRegistry, gh: FakeGitHub) -> None:
    with pytest.raises(NotFound):
        await preview(gates, "review_deployment", **ARGS)


def test_a_rejection_names_itself_and_a_comment_is_bounded() -> None:
    args = ReviewDeploymentArgs(repo="acme/api", run_id=1, environment="production", state="rejected")
    assert review_body(args)["state"] == "rejected" and "Rejected" in str(review_body(args)["comment"])
    with pytest.raises(ValueError, match="comment"):
        ReviewDeploymentArgs(repo="acme/api", run_id=1, environment="production", comment="x" * 1001)


def test_an_approval_names_its_approvers_in_order() -> None:
    args = ReviewDeploymentArgs(repo="acme/api", run_id=1, environment="production")
    said = "Approved in Slack by {} through opsbot's approval policy."
    assert review_body(args)["comment"] == said.format("").replace(" by  ", " ")
    assert review_body(args, ["Dana Ito"])["comment"] == said.format("Dana Ito")
    assert review_body(args, ["Dana Ito", "Ravi Shah", "Li Wei"])["comment"] == said.format(
        "Dana Ito, Ravi Shah and Li Wei"
    )


async def test_the_preview_lists_what_ships_since_the_last_successful_deployment(
    gates: ToolRegistry, gh: FakeGitHub
) -> None:
    shas = add_history(
        gh, "acme/api",
        [("Release 1.3", "ben"), ("Merge pull request #7 from acme/rate-limit\n\nRate limits", "ana"),
         ("Bump SQLAlchemy (#8)", "cy"), ("Fix a typo", "ana")],
    )  # fmt: skip
    add_deployment(gh, "acme/api", "production", shas[0], "in_progress", "success")
    add_deployment(gh, "acme/api", "production", shas[2], "failure")  # a failed deployment is not the base
    add_deployment(gh, "acme/api", "staging", shas[3], "success")  # another environment is not either
    gh.add_run("acme/api", 4312, name="Deploy", head_sha=shas[3], conclusion=None, status="waiting")
    shown = dict((await preview(gates, "review_deployment", **ARGS)).fields)["What ships"]
    lines = shown.splitlines()
    assert lines[0] == f"3 commits since `{shas[0][:7]}`:"
    assert lines[1].startswith(f"• `{shas[3][:7]}` Fix a typo — ana")
    assert "Bump SQLAlchemy (#8) — cy" in lines[2] and "acme/api/pull/8" in lines[2]
    assert "Merge pull request #7 from acme/rate-limit — ana" in lines[3] and "acme/api/pull/7" in lines[3]
    assert "compare on GitHub" in lines[-1] and f"{shas[0]}...{shas[3]}" in lines[-1]


async def test_a_first_deployment_says_so(gates: ToolRegistry, gh: FakeGitHub) -> None:
    [head] = add_history(gh, "acme/api", [("Initial release", "ana")])
    gh.add_run("acme/api", 4312, name="Deploy", head_sha=head, conclusion=None, status="waiting")
    shown = dict((await preview(gates, "review_deployment", **ARGS)).fields)["What ships"]
    assert shown == "No earlier successful deployment to `production`: everything up to this commit."


def test_outside_text_in_what_ships_is_escaped() -> None:
    shipping = Shipping(base="a" * 40, commits=(Shipped(sha="b" * 40, title="<!channel> hi", author="<x>", pr=None),),
                        total=1, url=None)  # fmt: skip
    said = ships_text(shipping, "acme/api", "production")
    assert "<!channel>" not in said and "&lt;!channel&gt; hi — &lt;x&gt;" in said
