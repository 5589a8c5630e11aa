"""The one thing handlers may call: accept an event into the durable inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.domain import Event

Accept = Callable[[Event], Awaitable[bool]]
