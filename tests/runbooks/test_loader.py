"""Runbook files: the examples load; every mistake is reported with its file, line and a suggestion."""

from __future__ import annotations

import pytest

from bot.core.clock import FakeClock
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.runbooks.loader import RunbookError, load_runbooks, parse_runbook
from bot.orchestration.runbooks.runbook_tools import gate_tool
from integrations.github import GitHubGateway, github_tools
from tests.harness import RUNBOOKS


@pytest.fixture(scope="module")
def registry() -> ToolRegistry:
    return ToolRegistry([*github_tools(GitHubGateway(None, "http://127.0.0.1:9", FakeClock())), gate_tool()])


def problem(text: str, registry: ToolRegistry) -> str:
    with pytest.raises(RunbookError) as caught:
        parse_runbook(text, "book.yaml", registry)
    return str(caught.value)


def test_the_example_runbooks_load(registry: ToolRegistry) -> None:
    books = load_runbooks(RUNBOOKS, registry)
    assert set(books) == {"ci-failure", "release", "erp-purchase-request"}
    assert books["erp-purchase-request"].unavailable is not None  # no ERP configured here
    assert books["ci-failure"].unavailable is None


BASE = "name: t\nsteps:\n"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "  - tool: list_pul_requests\n    args: {repo: acme/api}\n",
            3,
            "unknown tool `list_pul_requests` (did you mean `list_pull_requests`?)",
        ),
        (
            "  - tool: list_pull_requests\n    args: {repo: acme/api, limt: 5}\n",
            3,
            "no argument `limt` (did you mean `limit`?)",
        ),
        ("  - tool: list_pull_requests\n    args: {repo: acme/api, limit: lots}\n", 3, "`limit`"),
        ("  - tool: list_pull_requests\n    args: {repo: '{{ input.repo }}'}\n", 3, "`input` is not defined"),
        ("  - notify: 'x'\n  - tool: list_pull_requests\n    args: {repo: '{{ inputs. }}'}\n", 4, "bad expression"),
        (
            "  - tool: list_pull_requests\n    args: {repo: '{{ steps.later.data }}'}\n  - id: later\n    notify: x\n",
            3,
            "`steps.later` does not refer to an earlier step",
        ),
        ("  - notify: '{{ item }}'\n", 3, "`item` is only defined in a `for_each` step"),
        ("  - id: a\n    notify: x\n  - id: a\n    notify: y\n", 5, "step id `a` is used twice"),
        ("  - tool: create_issue\n    args: {repo: acme/api}\n", 3, "`create_issue` needs `title`"),
        ("  - notify: x\n    wen: 'true'\n", 4, "unknown key `wen` (did you mean `when`?)"),
        ("  - notify: x\n    tool: comment\n", 3, "exactly one of `tool`, `notify` or `approval`"),
        ("  - notify: x\n    retry: {on: [typo]}\n", 4, "unknown error class"),
    ],
)
def test_mistakes_are_reported_with_file_line_and_suggestion(
    registry: ToolRegistry, body: str, line: int, words: str
) -> None:
    message = problem(BASE + body, registry)
    assert f"book.yaml, line {line}:" in message, message
    assert words in message, message


def test_yaml_syntax_and_bad_names(registry: ToolRegistry) -> None:
    assert "line 3: not valid YAML" in problem("name: t\nsteps: [\n", registry)
    assert "runbook name" in problem("name: Bad Name\nsteps:\n  - notify: x\n", registry)


def test_two_runbooks_with_one_name_are_refused(registry: ToolRegistry, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    for file in ("a.yaml", "b.yaml"):
        (folder / file).write_text("name: same\nsteps:\n  - notify: x\n")
    with pytest.raises(RunbookError, match="already called `same`"):
        load_runbooks(folder, registry)
