"""Modal submissions (reject with a reason, edit a request): close the modal, store the submission."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack_ui.block_kit import ViewId
from handlers.convert import view_event
from handlers.types import Accept


def register(app: AsyncApp, accept: Accept) -> None:
    async def submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        event = view_event(body)
        if event is not None:
            await accept(event)
        await ack()

    for view_id in ViewId:
        app.view(view_id.value)(submitted)
