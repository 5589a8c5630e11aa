"""Fixtures for the unit tests of the pure core: the real tool registry, built without any I/O."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bot.core.clock import FakeClock
from bot.core.tool_registry import ToolRegistry
from integrations.github import GitHubGateway, github_tools

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing should ever be sent there


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fail any attempt to resolve or connect; yields the list of attempts."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"unexpected network access: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts


def build_registry() -> ToolRegistry:
    return ToolRegistry(github_tools(GitHubGateway(None, NOWHERE, FakeClock())))


@pytest.fixture
def registry(no_network: list[Any]) -> ToolRegistry:
    return build_registry()
