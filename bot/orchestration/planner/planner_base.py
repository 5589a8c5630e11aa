"""What a planner produces: help, a list of tool calls, or nothing to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.core.domain import ToolCall


@dataclass(frozen=True, kw_only=True)
class PlanContext:
    """What the planner may know about the request besides its text."""

    default_repo: str | None = None
    tool_names: tuple[str, ...] = ()
    repo_tools: frozenset[str] = frozenset()  # tools that take a `repo` argument (the default repo applies)


@dataclass(frozen=True, kw_only=True)
class Plan:
    calls: tuple[ToolCall, ...] = ()
    help: bool = False
    note: str | None = None
    builtin: str | None = None
    query: str = ""
    suggestions: tuple[str, ...] = field(default=())


class Planner(Protocol):
    name: str

    def plan(self, text: str, context: PlanContext) -> Plan: ...
