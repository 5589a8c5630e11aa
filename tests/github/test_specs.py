"""The GitHub tools' specs: every example is understood by the grammar planner, schemas come from the models."""

from __future__ import annotations

from bot.core.jsonvalue import dig, text
from bot.core.tool_registry import Risk, ToolRegistry
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.planner.planner_base import PlanContext

# -- specs --------------------------------------------------------------------------------------------


def test_every_example_is_understood_by_the_grammar_planner(tools: ToolRegistry) -> None:
    context = PlanContext(tool_names=tuple(tools.names()))
    for tool in tools:
        plan = GrammarPlanner().plan(tool.example, context)
        assert [c.tool for c in plan.calls] == [tool.name], tool.example
        tools.validate(tool.name, plan.calls[0].args)


GITHUB_TOOLS = {
    "list_pull_requests",
    "get_pull_request",
    "list_failed_workflow_runs",
    "list_issues",
    "create_issue",
    "comment",
    "close_issue",
    "rerun_failed_jobs",
    "merge_pull_request",
    "dispatch_workflow",
}  # with a token; an App adds review_deployment


def test_schemas_come_from_the_models(tools: ToolRegistry) -> None:
    schemas = {s["name"]: s["parameters"] for s in tools.json_schemas()}
    assert set(schemas) == GITHUB_TOOLS
    assert all(s["additionalProperties"] is False for s in schemas.values())
    risks = {t.name: t.risk for t in tools}
    assert risks["get_pull_request"] is risks["list_issues"] is Risk.READ
    assert {t.name: t.idempotent for t in tools}["list_issues"] is True
    assert (risks["create_issue"], risks["comment"], risks["close_issue"], risks["rerun_failed_jobs"]) == (
        Risk.WRITE,
    ) * 4
    assert (risks["merge_pull_request"], risks["dispatch_workflow"]) == (Risk.DANGEROUS,) * 2
    assert "owner/name" in text(dig(schemas["comment"], "properties", "repo", "description"))
