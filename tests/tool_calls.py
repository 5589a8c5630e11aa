"""Run or preview a tool the way the runner does: arguments validated by the registry, then the tool called."""

from __future__ import annotations

from typing import Any

from bot.core.tool_registry import Preview, ToolRegistry, ToolResult


async def run(tools: ToolRegistry, name: str, **args: Any) -> ToolResult:
    result: ToolResult = await tools.get(name).run(tools.validate(name, args))
    return result


async def preview(tools: ToolRegistry, name: str, **args: Any) -> Preview:
    tool = tools.get(name)
    assert tool.preview is not None
    shown: Preview = await tool.preview(tools.validate(name, args))
    return shown
