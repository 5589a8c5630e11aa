"""Helpers for approval tests: find cards and buttons, click them, submit the modals opsbot opened."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.slack_api import Call
from tests.harness import Harness


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in params.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def cards(env: Harness) -> list[Call]:
    return [
        c
        for c in env.slack.calls_to("chat.postMessage")
        if any(b["action_id"] == "opsbot.approve" for b in buttons(c.params))
    ]


def approval_of(card: Call) -> str:
    return str(next(b["value"] for b in buttons(card.params) if b["action_id"] == "opsbot.approve"))


def text_of(params: dict[str, Any]) -> str:
    return json.dumps(params.get("blocks", [])) + str(params.get("text", ""))


async def click(env: Harness, action: str, card: Call, user: str, channel: str = "C1") -> None:
    await env.driver.click(action, approval_of(card), as_user=user, channel=channel, message_ts=card.response["ts"])
    await env.settle()


async def submit_last_modal(env: Harness, user: str, values: dict[str, str]) -> None:
    view = env.slack.calls_to("views.open")[-1].params["view"]
    await env.driver.submit_view(
        view["callback_id"],
        {block: {"value": value} for block, value in values.items()},
        as_user=user,
        private_metadata=view["private_metadata"],
    )
    await env.settle()


def last_card_update(env: Harness, card: Call) -> dict[str, Any]:
    return [c for c in env.slack.calls_to("chat.update") if c.params["ts"] == card.response["ts"]][-1].params
