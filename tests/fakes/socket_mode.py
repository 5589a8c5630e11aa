"""A loopback Socket Mode endpoint: `apps.connections.open` on the fake Web API, then a WebSocket that sends
frames we build in Slack's documented shapes (hello, envelopes) and records the app's acknowledgements."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from bot.sandbox.fakes.slack_payloads import APP_ID
from tests.fakes.slack_api import FakeSlackApi

JsonDict = dict[str, Any]


def hello(*, num_connections: int = 1, app_id: str = APP_ID) -> JsonDict:
    """The first frame on a new connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {"host": "applink-opsbot-1", "build_number": 1, "approximate_connection_time": 3600},
        "connection_info": {"app_id": app_id},
    }


def disconnect(reason: str = "refresh_requested") -> JsonDict:
    """Slack asks the app to reconnect (``refresh_requested``, ``warning``, ``link_disabled``...)."""
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-opsbot-1"}}


def envelope(
    kind: str,
    payload: JsonDict,
    *,
    envelope_id: str | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> JsonDict:
    """An envelope around an Events API body (``events_api``), slash command fields (``slash_commands``) or an
    interactivity payload (``interactive``); the app acknowledges it by its ``envelope_id``."""
    frame: JsonDict = {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": kind == "slash_commands"
        or (kind == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")),
    }
    if kind == "events_api":
        frame.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
    return frame


class FakeSocketMode:
    def __init__(self, api: FakeSlackApi, app_token: str) -> None:
        self.api = api
        api.app_tokens.add(app_token)
        self.acks: list[dict[str, Any]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = asyncio.Event()
        self._acked = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/link/"
        self.api._methods["apps.connections.open"] = lambda _params: {"ok": True, "url": self.url}

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(hello())
        self._connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                async with self._acked:
                    self.acks.append(json.loads(message.data))
                    self._acked.notify_all()
        return ws

    async def send(self, envelope: dict[str, Any]) -> None:
        await asyncio.wait_for(self._connected.wait(), 5)
        await self._sockets[-1].send_json(envelope)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        async with self._acked:
            await asyncio.wait_for(
                self._acked.wait_for(lambda: any(a.get("envelope_id") == envelope_id for a in self.acks)), timeout
            )
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)
