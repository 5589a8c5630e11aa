"""Modal submissions (reject with a reason, edit a request): close the modal, store the submission.

A submission opsbot cannot act on (its `private_metadata` does not name the request and the channel, as every
modal opsbot opens does) is not stored: the modal stays open and says why (Slack's `errors` response on its
first input, or the modal replaced by the reason when it has no input).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View

from bot.core.jsonvalue import obj
from bot.edges.bounded_json import BadJson, loads_bounded
from handlers.convert import view_event
from handlers.surfaces import SURFACES
from handlers.types import Accept

log = logging.getLogger("opsbot.handlers")

OUT_OF_DATE = "This form is out of date, so nothing changed. Open it again from the request's card."


def register(app: AsyncApp, accept: Accept) -> None:
    async def submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        view = obj(body.get("view"))
        if not _names_its_request(view.get("private_metadata")):
            log.info("refused a %s modal submission: its private_metadata names no request", view.get("callback_id"))
            await _refuse(ack, view, OUT_OF_DATE)
            return
        event = view_event(body)
        if event is not None:
            await accept(event)
        await ack()

    for view_id in sorted(SURFACES.views):
        app.view(view_id)(submitted)


def _names_its_request(metadata: object) -> bool:
    if not isinstance(metadata, str):
        return False
    try:
        data = loads_bounded(metadata)
    except BadJson:
        return False
    meta = obj(data)
    return all(isinstance(meta.get(key), str) and meta[key] for key in ("approval", "channel"))


async def _refuse(ack: AsyncAck, view: dict[str, object], reason: str) -> None:
    """Acknowledge so that the modal stays open and says `reason`: on its first input, else in its place."""
    inputs = list(obj(obj(view.get("state")).get("values")))
    if inputs:
        await ack(response_action="errors", errors={inputs[0]: reason})
    else:
        notice = View(type="modal", title="opsbot", close="Close", blocks=[SectionBlock(text=reason)])
        await ack(response_action="update", view=notice)
