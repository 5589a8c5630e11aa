"""The tool registry: every tool opsbot can call, its argument model and its risk. It gates approvals."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypedDict, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.domain import RunRecord
from bot.core.errors import InvalidArguments, NotFound
from bot.core.jsonvalue import JsonObject
from bot.core.suggest import did_you_mean

A = TypeVar("A", bound=BaseModel)

# The run a tool call belongs to (id, actor, team, channel, thread), for the few tools that act on behalf of it
# (e.g. `run_runbook`). Set by the runner around each call; tools must not use it to decide risk.
CURRENT_RUN: ContextVar[RunRecord | None] = ContextVar("opsbot_current_run", default=None)
# Who approved the risky call being made (Slack user ids, in the order they approved; empty for a read), for tools
# that say outside Slack who decided (a deployment review's comment on GitHub). Set by the runner like CURRENT_RUN.
APPROVED_BY: ContextVar[tuple[str, ...]] = ContextVar("opsbot_approved_by", default=())


class Risk(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    DANGEROUS = "dangerous"

    @property
    def needs_approval(self) -> bool:
        return self is not Risk.READ


@dataclass(frozen=True, kw_only=True)
class ToolResult:
    """What a tool returns: a short mrkdwn summary, optional list lines, and structured data for planners."""

    text: str
    lines: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    data: JsonObject = field(default_factory=dict)
    link: str | None = None
    starts: tuple[str, ...] = ()  # runs this call started (e.g. `run_runbook`): the runner drives them next
    threads: tuple[str, ...] = ()  # keys that find this run's thread from now on (a dispatched deploy: its gate)


@dataclass(frozen=True, kw_only=True)
class Preview:
    """What an approval card shows before a risky step runs."""

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ToolSpec(Generic[A]):
    name: str
    description: str
    args: type[A]
    risk: Risk
    run: Callable[[A], Awaitable[ToolResult]]
    example: str
    preview: Callable[[A], Awaitable[Preview]] | None = None
    idempotent: bool = False
    # What a declined call (rejected or expired) still tells the system it answers for — never the risky action
    # itself: a deployment gate answers `rejected`, so GitHub stops holding the job. Called at most once, with
    # the reason in words; its result is said in the request's thread.
    declined: Callable[[A, str], Awaitable[ToolResult]] | None = None


Tool = ToolSpec[Any]


class ToolSchema(TypedDict):
    """A tool as a planner sees it: its name, what it does and the JSON schema of its arguments."""

    name: str
    description: str
    parameters: JsonObject


class ToolRegistry:
    """An explicit list of tools. Risk comes from here, never from a planner."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is registered twice")
        self._tools[tool.name] = tool

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(sorted(self._tools.values(), key=lambda t: t.name))

    def names(self) -> list[str]:
        return sorted(self._tools)

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise NotFound(
                f"There is no tool called `{name}`.",
                suggestions=tuple(did_you_mean(name, self._tools)),
            ) from None

    def risk_of(self, name: str) -> Risk:
        return self.get(name).risk

    def validate(self, name: str, args: Mapping[str, object]) -> BaseModel:
        """Parse arguments with the tool's model; a failure names each wrong field."""
        tool = self.get(name)
        try:
            model: BaseModel = tool.args.model_validate(args)
            return model
        except ValidationError as exc:
            raise InvalidArguments(
                f"`{name}` did not accept those arguments: {describe_validation_error(exc)}",
                hint=f"Example: `{tool.example}`",
            ) from None

    def json_schemas(self) -> list[ToolSchema]:
        return [{"name": t.name, "description": t.description, "parameters": t.args.model_json_schema()} for t in self]


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        if err["type"] == "extra_forbidden":
            parts.append(f"`{where}` is not an argument of this tool")
        elif err["type"] == "missing" and where == "repo":
            parts.append("which repository? Add `in owner/name`, or set a default repository for this channel")
        elif err["type"] == "missing":
            parts.append(f"`{where}` is required")
        else:
            parts.append(f"`{where}`: {err['msg']}")
    return "; ".join(parts)
