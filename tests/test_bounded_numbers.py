"""Numbers are bounded where text or JSON becomes one: PR and issue numbers 1 to 2**31 - 1, run ids 1 to 2**63 - 1,
prices so that they round; out of range is a clear reply, never "Something went wrong on my side"."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from bot.core.errors import UserFacingError
from bot.core.tool_registry import describe_validation_error
from bot.orchestration.planner import grammar
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext
from integrations.erp.erp_args import PurchaseRequestArgs
from integrations.github import github_args as args
from tests.harness import Harness

HUGE = "9" * 5000  # more digits than int() converts (4300)
PR_RANGE = "must be between 1 and 2147483647"
RUN_RANGE = "must be between 1 and 9223372036854775807"


def refusal(model: type[BaseModel], values: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(values)
    return describe_validation_error(caught.value)


@pytest.mark.parametrize("number", [HUGE, 2**31, "2147483648", 0, -1, 10**40, 1e300])
@pytest.mark.parametrize(
    "model", [args.GetPullRequestArgs, args.MergePullRequestArgs, args.CloseIssueArgs, args.CommentArgs]
)
def test_pull_request_and_issue_numbers_are_bounded_with_one_clear_message(
    model: type[BaseModel], number: object
) -> None:
    values = {"repo": "acme/api", "number": number, "body": "x"} if model is args.CommentArgs else None
    said = refusal(model, values or {"repo": "acme/api", "number": number})
    assert said == f"`number`: {PR_RANGE}"


def test_the_largest_numbers_are_accepted_and_true_is_not_a_number() -> None:
    assert args.GetPullRequestArgs.model_validate({"repo": "a/b", "number": 2**31 - 1}).number == 2**31 - 1
    assert args.RerunFailedJobsArgs.model_validate({"repo": "a/b", "run_id": 2**63 - 1}).run_id == 2**63 - 1
    assert "not true or false" in refusal(args.GetPullRequestArgs, {"repo": "a/b", "number": True})


@pytest.mark.parametrize("run_id", [HUGE, 2**63, 0])
def test_workflow_run_ids_are_bounded_to_64_bits(run_id: object) -> None:
    assert refusal(args.RerunFailedJobsArgs, {"repo": "a/b", "run_id": run_id}) == f"`run_id`: {RUN_RANGE}"
    assert refusal(args.RerunFailedJobsArgs, {"repo": "a/b", "pr": HUGE}) == f"`pr`: {PR_RANGE}"


def test_the_tools_schemas_say_the_bounds() -> None:
    schema = args.MergePullRequestArgs.model_json_schema()["properties"]["number"]
    assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1)
    assert grammar.PR_NUMBER_MAX == args.PR_NUMBER_MAX  # the grammar's copy of the bound (it cannot import it)


@pytest.mark.parametrize("text", [f"merge pr {HUGE} in acme/api", "show pr 2147483648 in acme/api", "close pr #0"])
def test_the_grammar_refuses_a_number_out_of_range_clearly(text: str) -> None:
    context = PlanContext(tool_names=("merge_pull_request", "get_pull_request", "close_issue"))
    with pytest.raises(UserFacingError) as caught:
        GrammarPlanner().plan(text, context)
    assert caught.value.message == f"`number` {PR_RANGE}."


def test_the_grammar_still_reads_leading_zeros() -> None:
    plan = GrammarPlanner().plan("merge pr #007 in acme/api", PlanContext(tool_names=("merge_pull_request",)))
    assert plan.calls[0].args["number"] == 7


@pytest.mark.parametrize("price", [HUGE, "1e999"])
def test_a_purchase_price_is_bounded_so_that_it_rounds(price: str) -> None:
    said = refusal(PurchaseRequestArgs, {"supplier": "Oak", "product": "Chair", "quantity": "2", "unit_price": price})
    assert "`unit_price`" in said and "1000000000" in said


@pytest.mark.parametrize(
    "text", [f"merge pr {HUGE} in acme/api", f"merge_pull_request repo=acme/api number={HUGE}"]
)
async def test_a_5000_digit_pr_number_gets_a_clear_reply_not_a_crash(env: Harness, text: str) -> None:
    await env.driver.command(text)
    await env.settle()
    [reply] = env.slack.calls_to("response_url")
    shown = reply.params["text"] + json.dumps(reply.params.get("blocks"))
    assert PR_RANGE in shown and "went wrong" not in shown
    assert env.github.merges == []
