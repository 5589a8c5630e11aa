"""The explicit list of tools opsbot offers. Adding a tool: one line here (see README, 'Adding a tool')."""

from __future__ import annotations

from bot.clock import Clock
from bot.runbooks.tools import gate_tool
from integrations.erp import ErpPort, erp_tools
from integrations.github import GitHubGateway, github_tools
from integrations.registry import ToolRegistry


def build_registry(*, github: GitHubGateway, erp: ErpPort | None = None, clock: Clock | None = None) -> ToolRegistry:
    return ToolRegistry(
        [
            *github_tools(github),
            *(erp_tools(erp, clock=clock) if erp is not None else ()),
            gate_tool(),
        ]
    )
