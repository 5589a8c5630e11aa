"""Helpers for the GitHub tool tests: run or preview a tool through the registry, find what reached GitHub."""

from __future__ import annotations

from typing import Any

from integrations.registry import Preview, ToolRegistry, ToolResult
from tests.fakes.github import FakeGitHub

TOKEN = "test-token"


async def run(tools: ToolRegistry, name: str, **args: Any) -> ToolResult:
    result: ToolResult = await tools.get(name).run(tools.validate(name, args))
    return result


async def preview(tools: ToolRegistry, name: str, **args: Any) -> Preview:
    tool = tools.get(name)
    assert tool.preview is not None
    shown: Preview = await tool.preview(tools.validate(name, args))
    return shown


def sent(gh: FakeGitHub, method: str, path_end: str) -> list[Any]:
    return [r for r in gh.requests if r.method == method and r.path.endswith(path_end)]
