"""A workflow dispatch GitHub would refuse is refused before any card, with the reason, read from the workflow file.

Through PyGithub against the fake GitHub, which serves each workflow's file (`GET /contents/…`) and refuses a
dispatch the way GitHub does; the pure reading of a workflow file's triggers is tested on its own below.
"""

from __future__ import annotations

import pytest

from bot.core.errors import NotFound, NotPossible
from bot.core.tool_registry import ToolRegistry
from integrations.github.workflow_dispatch import DispatchInput, WorkflowFile, dispatch_inputs, dispatch_refusal
from tests.fakes.github import FakeGitHub
from tests.tool_calls import preview, run


async def test_a_dispatchable_workflow_previews_its_name_and_file(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",), optional=("version",))
    shown = await preview(
        tools, "dispatch_workflow", repo="acme/api", workflow="deploy.yml", inputs={"environment": "prod"}
    )
    assert shown.title == "Run workflow deploy.yml on main in acme/api"
    assert ("Workflow", "Deploy (`.github/workflows/deploy.yml`)") in shown.fields


async def test_a_workflow_without_workflow_dispatch_is_refused_before_any_card(
    tools: ToolRegistry, gh: FakeGitHub
) -> None:
    gh.add_workflow("acme/api", "ci.yml", name="CI", dispatchable=False)
    with pytest.raises(NotPossible) as refused:
        await preview(tools, "dispatch_workflow", repo="acme/api", workflow="ci.yml")
    assert refused.value.message == (
        "Workflow *CI* (`.github/workflows/ci.yml` in acme/api) has no `workflow_dispatch` trigger on `main`, so it"
        " cannot be started from here: add `on: workflow_dispatch` to the workflow, or start one that has it."
    )
    assert gh.dispatches == []


async def test_a_missing_required_input_and_an_undeclared_one_are_named(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",), optional=("version",))
    with pytest.raises(NotPossible, match=r"Workflow \*Deploy\* needs input `environment`: add `inputs.environment="):
        await preview(tools, "dispatch_workflow", repo="acme/api", workflow="deploy.yml")
    with pytest.raises(NotPossible) as refused:
        args = {"environment": "prod", "env": "prod"}
        await preview(tools, "dispatch_workflow", repo="acme/api", workflow="deploy.yml", inputs=args)
    assert refused.value.message == (
        "Workflow *Deploy* does not declare input `env`: it takes inputs `environment`, `version`."
    )


async def test_an_unknown_ref_a_disabled_workflow_and_an_unknown_workflow(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "deploy.yml", name="Deploy")
    with pytest.raises(NotPossible, match=r"There is no `.github/workflows/deploy.yml` in acme/api on `relase`"):
        await preview(tools, "dispatch_workflow", repo="acme/api", workflow="deploy.yml", ref="relase")
    gh.add_workflow("acme/api", "old.yml", name="Old").state = "disabled_manually"
    with pytest.raises(NotPossible, match=r"Workflow \*Old\* .* is disabled manually: enable it in GitHub"):
        await preview(tools, "dispatch_workflow", repo="acme/api", workflow="old.yml")
    with pytest.raises(NotFound):
        await preview(tools, "dispatch_workflow", repo="acme/api", workflow="nope.yml")


async def test_what_the_preview_lets_through_github_accepts(tools: ToolRegistry, gh: FakeGitHub) -> None:
    gh.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))
    args = {"repo": "acme/api", "workflow": "deploy.yml", "inputs": {"environment": "staging"}}
    await preview(tools, "dispatch_workflow", **args)
    await run(tools, "dispatch_workflow", **args)
    assert [d["inputs"] for d in gh.dispatches] == [{"environment": "staging"}]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("on: push\n", None),
        ("on: workflow_dispatch\n", ()),
        ("on: [push, workflow_dispatch]\n", ()),
        ("'on':\n  workflow_dispatch:\n", ()),
        (
            "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        required: true\n",
            (DispatchInput(name="env", required=True),),
        ),
        (
            "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        required: true\n        default: staging\n",
            (DispatchInput(name="env", required=False),),
        ),
        (
            "on:\n  workflow_dispatch:\n    inputs:\n      dry: {type: boolean}\n",
            (DispatchInput(name="dry", required=False),),
        ),
        ("on:\n  schedule:\n    - cron: '0 3 * * *'\n", None),
        (
            "on:\n  workflow_dispatch:\n    inputs:\n      environment:\n        type: choice\n"
            "        options: [staging, production]\n",
            (DispatchInput(name="environment", required=False, options=("staging", "production")),),
        ),
    ],
)
def test_the_triggers_of_a_workflow_file(source: str, expected: tuple[DispatchInput, ...] | None) -> None:
    assert dispatch_inputs(source) == expected


def test_an_unreadable_or_unparseable_file_refuses_nothing() -> None:
    for source in (None, "on: [unclosed\n", "just text\n"):
        found = WorkflowFile(name="Deploy", path=".github/workflows/deploy.yml", state="active", source=source)
        assert dispatch_refusal(found, repo="acme/api", ref="main", inputs={}) is None


def test_a_value_that_is_not_a_choice_is_refused_with_the_choices() -> None:
    source = "on:\n  workflow_dispatch:\n    inputs:\n      environment:\n        type: choice\n"
    source += "        options: [staging, production]\n"
    found = WorkflowFile(name="Deploy", path=".github/workflows/deploy.yml", state="active", source=source)
    said = dispatch_refusal(found, repo="acme/api", ref="main", inputs={"environment": "prod"})
    assert said == "`prod` is not a choice of input `environment` of *Deploy*: use `staging`, `production`."
    assert dispatch_refusal(found, repo="acme/api", ref="main", inputs={"environment": "production"}) is None


def test_outside_text_in_a_refusal_is_escaped() -> None:
    found = WorkflowFile(name="<!channel>", path=".github/workflows/x.yml", state="active", source="on: push\n")
    said = dispatch_refusal(found, repo="acme/api", ref="<b>", inputs={})
    assert said is not None and "<!channel>" not in said and "&lt;!channel&gt;" in said and "&lt;b&gt;" in said
