"""@mentions and direct messages: requests in natural words; other messages are acknowledged and ignored."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.core.domain import Source
from handlers.convert import message_event
from handlers.types import Accept


def register(app: AsyncApp, accept: Accept) -> None:
    @app.event("app_mention")
    async def mention(ack: AsyncAck, body: dict[str, Any]) -> None:
        event = message_event(body, Source.SLACK_MENTION)
        if event is not None:
            await accept(event)
        await ack()

    @app.event("message")
    async def message(ack: AsyncAck, body: dict[str, Any]) -> None:
        # Only DMs are requests: channel messages that mention the bot arrive as app_mention.
        if (body.get("event") or {}).get("channel_type") == "im":
            event = message_event(body, Source.SLACK_DM)
            if event is not None:
                await accept(event)
        await ack()
