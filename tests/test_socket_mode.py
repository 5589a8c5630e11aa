"""Socket Mode: the same Bolt app over a WebSocket; envelopes acknowledged, stored once, answered in the thread."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from bot.sandbox.fakes import slack_bodies as bodies
from tests.fakes.socket_mode import FakeSocketMode, envelope
from tests.harness import Harness

APP_TOKEN = "xapp-1-A111-0123456789-abcdef"


def mention_envelope(event_id: str, text: str) -> dict[str, object]:
    ts = "1795683700.000100"
    event = bodies.message_event(
        f"<@W111> {text}", user="U1", channel="C1", ts=ts, team="T111", client_msg_id="c0ffee-1", type="app_mention"
    )
    body = bodies.event_callback(event, team_id="T111", bot_user_id="W111", event_id=event_id, event_time=1795683700)
    return envelope("events_api", body, envelope_id=f"env-{event_id}")


async def test_a_mention_over_socket_mode_is_acknowledged_and_answered_once(db_url: str) -> None:
    async with Harness(db_url, slack_app_token=APP_TOKEN) as env:
        socket = FakeSocketMode(env.slack, APP_TOKEN)
        await socket.start()
        assert env.bot is not None
        handler = AsyncSocketModeHandler(env.bot.bolt, APP_TOKEN)
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            await socket.send(mention_envelope("EvSM1", "help"))
            await socket.wait_for_ack("env-EvSM1")
            retry = mention_envelope("EvSM1", "help")
            retry["envelope_id"] = "env-EvSM1-retry"
            retry["retry_attempt"] = 1
            await socket.send(retry)
            await socket.wait_for_ack("env-EvSM1-retry")
            await env.settle()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
            await socket.stop()
        [reply] = env.slack.calls_to("chat.postMessage")
        assert reply.params["thread_ts"] == "1795683700.000100"
        assert "merge_pull_request" in str(reply.params["blocks"])
