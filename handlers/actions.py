"""Approve / Reject buttons: store the click; the decider re-authorizes it server-side.

A click that names no channel (neither `channel` nor `container.channel_id`) cannot be acted on: opsbot's buttons
live on messages in channels, and every answer to a click is an ephemeral there. It is not stored; the clicker is
told why through the click's `response_url` when it has one, and the log says so either way.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.edges.bounded_json import shown
from handlers.convert import action_event
from handlers.surfaces import SURFACES
from handlers.types import Accept

log = logging.getLogger("opsbot.handlers")

NO_CHANNEL = "I can't act on that button here: it isn't on a message in a channel, so nothing changed."
RESPOND_TIMEOUT = 2  # seconds: Slack waits 3 for the acknowledgement, which is sent when the listener returns


def register(app: AsyncApp, accept: Accept) -> None:
    async def click(ack: AsyncAck, body: dict[str, Any]) -> None:
        event = action_event(body)
        if event is not None and not event.channel:
            await ack()
            action_id, who = event.payload.get("action_id"), shown(event.actor)
            log.info("a click on %s by %s named no channel: nothing done", action_id, who)
            await _tell(body.get("response_url"))
            return
        if event is not None:
            await accept(event)
        await ack()

    for action_id in sorted(SURFACES.actions):
        app.action(action_id)(click)


async def _tell(response_url: object) -> None:
    """An ephemeral for the clicker through `response_url`; a failure is one log line (the click is answered)."""
    if not isinstance(response_url, str) or not response_url.startswith(("https://", "http://")):
        return
    try:
        reply = await AsyncWebhookClient(response_url, timeout=RESPOND_TIMEOUT).send(
            text=NO_CHANNEL, response_type="ephemeral", replace_original=False
        )
    except Exception as exc:  # the network, a URL that is not one: the click itself is already answered
        log.warning("could not answer a click through its response_url: %s", type(exc).__name__)
        return
    if reply.status_code != 200:
        log.warning("could not answer a click through its response_url: HTTP %s", reply.status_code)
