"""Emoji reactions: `:ticket:` proposes an issue from the message; others are acknowledged and ignored."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from handlers.convert import reaction_event
from handlers.types import Accept


def register(app: AsyncApp, accept: Accept) -> None:
    @app.event("reaction_added")
    async def reaction(ack: AsyncAck, body: dict[str, Any]) -> None:
        event = reaction_event(body)
        if event is not None:
            await accept(event)
        await ack()
