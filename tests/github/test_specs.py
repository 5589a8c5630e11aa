"""The GitHub tools' specs (examples, schemas) and the recorded replay files they are tested against."""

from __future__ import annotations

import ast
import json

from bot.planner.base import PlanContext
from bot.planner.grammar import GrammarPlanner
from integrations.registry import Risk, ToolRegistry
from tests.fakes.github import REPLAY_DIR, parse_replay

# -- specs and fixtures --------------------------------------------------------------------------------


def test_every_example_is_understood_by_the_grammar_planner(tools: ToolRegistry) -> None:
    context = PlanContext(tool_names=tuple(tools.names()))
    for tool in tools:
        plan = GrammarPlanner().plan(tool.example, context)
        assert [c.tool for c in plan.calls] == [tool.name], tool.example
        tools.validate(tool.name, plan.calls[0].args)


def test_schemas_come_from_the_models(tools: ToolRegistry) -> None:
    schemas = {s["name"]: s["parameters"] for s in tools.json_schemas()}
    assert set(schemas) == {
        "list_pull_requests",
        "get_pull_request",
        "list_failed_workflow_runs",
        "create_issue",
        "comment",
        "rerun_failed_jobs",
        "merge_pull_request",
        "dispatch_workflow",
    }
    assert all(s["additionalProperties"] is False for s in schemas.values())
    risks = {t.name: t.risk for t in tools}
    assert risks["get_pull_request"] is Risk.READ
    assert (risks["create_issue"], risks["comment"], risks["rerun_failed_jobs"]) == (Risk.WRITE,) * 3
    assert (risks["merge_pull_request"], risks["dispatch_workflow"]) == (Risk.DANGEROUS,) * 2
    assert "owner/name" in schemas["comment"]["properties"]["repo"]["description"]


def test_every_replay_file_parses() -> None:
    files = sorted(REPLAY_DIR.glob("*.txt"))
    assert len(files) >= 21
    for path in files:
        exchanges = parse_replay(path)
        assert exchanges, path.name
        for ex in exchanges:
            assert ex.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
            assert ex.path.startswith("/")
            assert 100 <= ex.status < 600
            assert all(isinstance(k, str) for k, _ in ex.headers)
            if ex.body.startswith(("{", "[")):
                json.loads(ex.body)
            if ex.request_body is not None:
                json.loads(ex.request_body)


def test_replay_layout_details() -> None:
    retries = parse_replay(REPLAY_DIR / "Retry.testRaisesRetryErrorAfterMaxRetries.txt")
    assert [e.status for e in retries] == [502, 502, 502, 502]
    dispatch = parse_replay(REPLAY_DIR / "Workflow.testCreateDispatchWithBranch.txt")
    assert (dispatch[-1].method, dispatch[-1].status, dispatch[-1].body) == ("POST", 204, "")
    assert json.loads(dispatch[-1].request_body or "")["ref"] == "workflow_dispatch_branch"
    merge = parse_replay(REPLAY_DIR / "PullRequest.testMerge.txt")
    assert merge[0].request_headers == ast.literal_eval(
        "{'Authorization': 'token private_token_removed', 'User-Agent': 'PyGithub/Python'}"
    )
