"""`/ops`: store the command, acknowledge at once; the worker answers."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from handlers.convert import command_event
from handlers.types import Accept


def register(app: AsyncApp, accept: Accept) -> None:
    @app.command("/ops")
    async def ops(ack: AsyncAck, body: dict[str, Any]) -> None:
        await accept(command_event(body))
        await ack()
