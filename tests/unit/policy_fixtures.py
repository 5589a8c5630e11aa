"""Shared by the policy tests: the real tool names the policy is checked against."""

from __future__ import annotations

from bot.core.clock import FakeClock
from integrations.github import GitHubGateway, github_tools


def real_tool_names() -> list[str]:
    return [t.name for t in github_tools(GitHubGateway(None, "http://127.0.0.1:9", FakeClock()))]
