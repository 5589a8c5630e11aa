"""Approve / Reject buttons: store the click; the decider re-authorizes it server-side."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack_ui.block_kit import ActionId
from handlers.convert import action_event
from handlers.types import Accept


def register(app: AsyncApp, accept: Accept) -> None:
    async def click(ack: AsyncAck, body: dict[str, Any]) -> None:
        event = action_event(body)
        if event is not None:
            await accept(event)
        await ack()

    for action_id in ActionId:
        app.action(action_id.value)(click)
