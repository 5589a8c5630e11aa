"""The explicit list of tools opsbot offers. Adding a tool: one line here (see README, 'Adding a tool')."""

from __future__ import annotations

from integrations.github import GitHubGateway, github_tools
from integrations.registry import ToolRegistry


def build_registry(*, github: GitHubGateway) -> ToolRegistry:
    return ToolRegistry(
        [
            *github_tools(github),
        ]
    )
