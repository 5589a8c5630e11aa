"""What a planner produces: help, a list of tool calls, or nothing to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.core.domain import ToolCall


@dataclass(frozen=True, kw_only=True)
class RunbookInfo:
    """A runbook as the planner may propose it: its name and inputs (the allowed values of each, when it has a
    list)."""

    name: str
    inputs: tuple[str, ...] = ()
    required: frozenset[str] = frozenset()
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # input → its allowed values


@dataclass(frozen=True, kw_only=True)
class PlanContext:
    """What the planner may know about the request besides its text."""

    default_repo: str | None = None
    tool_names: tuple[str, ...] = ()
    repo_tools: frozenset[str] = frozenset()  # tools that take a `repo` argument (the default repo applies)
    bot_user_id: str | None = None  # opsbot's own user id: its mention is dropped wherever it is in the text
    bot_name: str | None = None  # opsbot's name, for "@opsbot …" typed as text (a slash command, a DM)
    known_repos: tuple[str, ...] = ()  # repositories opsbot knows of (channels' defaults), for suggestions
    runbooks: tuple[RunbookInfo, ...] = ()  # the runbooks `run` can start, for "deploy … to …" and suggestions
    deploy_workflow: str = "deploy.yml"  # what `deploy <environment> [<ref>]` dispatches
    builtins: frozenset[str] | None = None  # the builtins this opsbot serves (None: all), for suggestions


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
