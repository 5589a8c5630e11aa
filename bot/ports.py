"""What the core needs from the outside world, as protocols; integrations implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Chat(Protocol):
    """The Slack Web API, as far as the service uses it. Blocks are Block Kit dicts."""

    async def post(
        self, channel: str, text: str, blocks: Sequence[dict[str, Any]], *, thread_ts: str | None = None
    ) -> str: ...

    async def update(self, channel: str, ts: str, text: str, blocks: Sequence[dict[str, Any]]) -> None: ...

    async def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[dict[str, Any]] = (),
        *,
        thread_ts: str | None = None,
    ) -> None: ...

    async def message_text(self, channel: str, ts: str) -> str | None: ...

    async def open_modal(self, trigger_id: str, view: dict[str, Any]) -> bool: ...


class Directory(Protocol):
    """Who belongs where, for approval checks. Lookups may raise; callers fail closed."""

    async def group_members(self, group: str) -> frozenset[str]: ...

    async def channel_members(self, channel: str) -> frozenset[str]: ...

    async def channel_name(self, channel: str) -> str | None: ...


@dataclass(frozen=True, kw_only=True)
class ModelToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True, kw_only=True)
class ModelReply:
    content: str | None
    tool_calls: tuple[ModelToolCall, ...] = ()
    refusal: str | None = None
    finish_reason: str = "stop"
    tokens: int = 0


class Model(Protocol):
    """An OpenAI-compatible chat model with tool calling. Raises ModelUnavailable when it cannot answer."""

    name: str

    async def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[Any]) -> ModelReply: ...

    async def close(self) -> None: ...
