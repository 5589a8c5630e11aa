"""One aiohttp request served by an ASGI application: the MCP SDK's streamable HTTP transport, on opsbot's own port.

The SDK's session manager is ASGI (Starlette); opsbot's HTTP app is aiohttp. This bridge builds the ASGI scope from
the request, feeds the body to `receive`, and streams every `send` into an aiohttp `StreamResponse` as it comes —
an SSE answer (progress notifications while an approval is waited for) reaches the client event by event.

Two points the SDK depends on: once the body is read, `receive` must block until the client goes away (the SSE
writer waits on it for `http.disconnect`; returning at once spins the loop), and the headers go out at
`http.response.start`, so a client sees its stream open before the first event. aiohttp has no "wait for the peer
to go" call, so the transport is looked at every `DISCONNECT_POLL` seconds while an answer is open.
(aiohttp-asgi, the one adapter on PyPI, answers `receive` at once and spins: not usable here.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]
State = MutableMapping[str, object]  # the scope's `state`: what the app's handlers may read of the request

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"})
DISCONNECT_POLL = 0.5  # seconds between two looks at whether the client is still there


def scope_of(request: web.Request, state: State) -> Scope:
    peer = request.transport.get_extra_info("peername") if request.transport is not None else None
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": f"{request.version.major}.{request.version.minor}",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.raw_path.split("?", 1)[0].encode("latin-1"),
        "query_string": request.query_string.encode("latin-1"),
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.raw_headers],
        "client": (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) and len(peer) >= 2 else None,
        "server": None,
        "state": state,
        "extensions": {},
    }


class _Exchange:
    """One request's ASGI conversation."""

    def __init__(self, request: web.Request, max_body: int) -> None:
        self.request, self.left = request, max_body
        self.gone = asyncio.Event()
        self.body_done = False
        self.response: web.StreamResponse | None = None
        self.finished = False

    async def watch(self) -> None:
        while not self.gone.is_set():
            transport = self.request.transport
            if transport is None or transport.is_closing():
                self.gone.set()
                return
            await asyncio.sleep(DISCONNECT_POLL)  # sleep-ok: aiohttp tells no one when a peer goes

    async def receive(self) -> Message:
        if not self.body_done:
            try:
                chunk = await self.request.content.readany()
            except Exception:  # the client reset the connection mid-body
                self.gone.set()
                return {"type": "http.disconnect"}
            self.left -= len(chunk)
            if self.left < 0:  # a body past the bound (sent without a Content-Length): the client is cut off
                self.gone.set()
                return {"type": "http.disconnect"}
            self.body_done = self.request.content.at_eof()
            return {"type": "http.request", "body": chunk, "more_body": not self.body_done}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            response = web.StreamResponse(status=int(message["status"]))
            for name, value in message.get("headers", ()):
                key = name.decode("latin-1")
                if key.lower() not in HOP_BY_HOP:
                    response.headers.add(key, value.decode("latin-1"))
            self.response = response
            await self._write(response.prepare(self.request))
        elif kind == "http.response.body":
            if self.response is None:
                raise RuntimeError("an ASGI body before its start")
            if self.finished or self.gone.is_set():
                return  # the client went away: what is left is dropped
            body, more = message.get("body", b""), bool(message.get("more_body", False))
            if body:
                await self._write(self.response.write(body))
            if not more:
                self.finished = True
                await self._write(self.response.write_eof())

    async def _write(self, step: Awaitable[Any]) -> None:
        try:
            await step
        except ConnectionResetError:  # aiohttp's ClientConnectionResetError is one
            self.gone.set()


def asgi_handler(app: AsgiApp, state: Callable[[web.Request], State], *, max_body: int) -> Callable[
    [web.Request], Awaitable[web.StreamResponse]
]:
    """An aiohttp handler running `app` for each request; `state(request)` becomes the ASGI scope's `state`
    (how the caller's identity, checked by aiohttp middleware, reaches the MCP tool handlers); a body longer than
    `max_body` bytes is not read past it."""

    async def handler(request: web.Request) -> web.StreamResponse:
        exchange = _Exchange(request, max_body)
        watcher = asyncio.create_task(exchange.watch(), name="asgi-disconnect-watch")
        try:
            await app(scope_of(request, state(request)), exchange.receive, exchange.send)
        finally:
            exchange.gone.set()
            watcher.cancel()
        if exchange.response is None:
            return web.Response(status=500, text="no response")
        if not exchange.finished and not exchange.gone.is_set():
            await exchange._write(exchange.response.write_eof())
        return exchange.response

    return handler
