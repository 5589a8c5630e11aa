"""The integrations whose tools opsbot offers; a new tool goes in its integration's list (README, 'Adding a tool')."""

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
