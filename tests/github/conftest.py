"""Fixtures for the GitHub tool tests: a fake GitHub on loopback and the real PyGithub gateway pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.clock import FakeClock
from bot.core.tool_registry import ToolRegistry
from integrations.github import GitHubGateway, github_tools
from tests.fakes.github import FakeGitHub
from tests.github.helpers import TOKEN


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def gh(clock: FakeClock) -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN, now=clock.now) as fake:
        fake.add_repo("acme/api")
        fake.add_repo("acme/web-app")
        yield fake


@pytest.fixture
def gw(gh: FakeGitHub, clock: FakeClock) -> GitHubGateway:
    return GitHubGateway(TOKEN, gh.url, clock)


@pytest.fixture
def tools(gw: GitHubGateway) -> ToolRegistry:
    return ToolRegistry(github_tools(gw))
