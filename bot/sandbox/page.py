"""The sandbox page's HTTP side: static files, the per-person state, actions, and server-sent change events."""

from __future__ import annotations

import asyncio
import errno
import socket
from importlib import resources
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app.cli_commands import StartupError, _reason
from bot.core.jsonvalue import obj

if TYPE_CHECKING:
    from bot.sandbox.sandbox_app import Sandbox

STATIC = {
    "/": ("index.html", "text/html"),
    "/sandbox.css": ("sandbox.css", "text/css"),
    "/sandbox.js": ("sandbox.js", "text/javascript"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
    "/favicon.ico": ("favicon.svg", "image/svg+xml"),  # what a browser asks for when a page names no icon
}
SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox")
STREAMS: web.AppKey[set[asyncio.Queue[int]]] = web.AppKey("streams")  # each open event stream's queue
CLOSING = -1  # what an open event stream hears when the page server stops: it ends
SHUTDOWN_SECONDS = 1.0  # what the sandbox's servers give a request still running at Ctrl-C (aiohttp: 60 s)


def page_app(sandbox: Sandbox) -> web.Application:
    app = web.Application()
    app[SANDBOX] = sandbox
    app[STREAMS] = set()
    app.on_shutdown.append(_end_streams)
    for path in STATIC:
        app.router.add_get(path, _static)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/events", _events)
    app.router.add_post("/api/send", _send)
    app.router.add_post("/api/react", _react)
    app.router.add_post("/api/click", _click)
    app.router.add_post("/api/submit", _submit)
    app.router.add_post("/api/close", _close)
    app.router.add_post("/api/demo", _demo)
    return app


async def _static(request: web.Request) -> web.Response:
    name, content_type = STATIC[request.path]
    text = resources.files("bot.sandbox").joinpath("static", name).read_text(encoding="utf-8")
    return web.Response(text=text, content_type=content_type, headers={"Cache-Control": "no-store"})


async def _state(request: web.Request) -> web.Response:
    try:
        return web.json_response(request.app[SANDBOX].state(request.query.get("user", "U1")))
    except KeyError:
        return web.json_response({"error": "unknown user"}, status=400)


async def _events(request: web.Request) -> web.StreamResponse:
    """One `data: <version>` line per change; the page then fetches its state again."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    changes: asyncio.Queue[int] = asyncio.Queue()
    request.app[STREAMS].add(changes)  # before the first await: the shutdown sees it
    stop = request.app[SANDBOX].listen(changes.put_nowait)
    try:
        await response.prepare(request)
        await response.write(f"data: {request.app[SANDBOX].version}\n\n".encode())
        while True:
            versions = [await changes.get()]
            while not changes.empty():  # a burst of changes needs one refresh
                versions.append(changes.get_nowait())
            if CLOSING in versions:
                break
            await response.write(f"data: {versions[-1]}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        request.app[STREAMS].discard(changes)
        stop()
    return response


async def _end_streams(app: web.Application) -> None:
    """aiohttp calls this once the port is closed and before it waits for the requests still running: every open
    event stream ends now (Ctrl-C once waited out aiohttp's 60 s for a page left open)."""
    streams: set[asyncio.Queue[int]] = app[STREAMS]
    for changes in list(streams):
        changes.put_nowait(CLOSING)


def listen(host: str, port: int) -> socket.socket:
    """The page's listening socket, taken before anything starts: a busy port is one line, and nothing to clean."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            todo = "stop what listens there (another `opsbot sandbox`?), or pass --port 0 to pick a free port"
        elif exc.errno == errno.EACCES:
            todo = "pass --port with a port above 1023, or --port 0 to pick a free one"
        else:
            todo = "pass --host an address of this machine, e.g. 127.0.0.1"
        raise StartupError(f"cannot listen on {host}:{port} ({_reason(exc)})", todo) from exc


async def _body(request: web.Request, *keys: str) -> tuple[list[str], dict[str, object]]:
    """The string fields `keys` of the page's JSON (a 400 when one is missing), and the whole object."""
    data: object = await request.json()
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in keys):
        raise web.HTTPBadRequest(text=f"expected JSON with {', '.join(keys)}")
    return [str(data[k]) for k in keys], data


async def _send(request: web.Request) -> web.Response:
    (user, channel, text), data = await _body(request, "user", "channel", "text")
    answer = await request.app[SANDBOX].send(user, channel, text, str(data.get("thread_ts") or ""))
    return web.json_response(answer)


async def _react(request: web.Request) -> web.Response:
    (user, channel, ts, name), _ = await _body(request, "user", "channel", "ts", "name")
    await request.app[SANDBOX].react(user, channel, ts, name)
    return web.json_response({})


async def _click(request: web.Request) -> web.Response:
    (user, channel, ts, action_id, value, block_id), _ = await _body(
        request, "user", "channel", "ts", "action_id", "value", "block_id"
    )
    await request.app[SANDBOX].click(user, channel, ts, action_id, value, block_id)
    return web.json_response({})


async def _submit(request: web.Request) -> web.Response:
    (user, view_id), data = await _body(request, "user", "view_id")
    return web.json_response(await request.app[SANDBOX].submit(user, view_id, _state_values(data.get("values"))))


def _state_values(values: object) -> dict[str, dict[str, str]]:
    """A modal's typed values as the page sends them: `{block_id: {action_id: text}}`."""
    return {
        block: {action: value for action, value in obj(actions).items() if isinstance(value, str)}
        for block, actions in obj(values).items()
    }


async def _close(request: web.Request) -> web.Response:
    (view_id,), _ = await _body(request, "view_id")
    request.app[SANDBOX].close_view(view_id)
    return web.json_response({})


DEMOS = ("ci-failure", "digest", "erp-overdue")


async def _demo(request: web.Request) -> web.Response:
    """The demo buttons: a signed GitHub CI-failure webhook, a digest now, `/ops erp overdue` as this person."""
    (user, name), _ = await _body(request, "user", "name")
    sandbox = request.app[SANDBOX]
    if name not in DEMOS:
        raise web.HTTPBadRequest(text=f"unknown demo; expected one of {', '.join(DEMOS)}")
    unavailable = sandbox.demos()[name]
    if unavailable is not None:
        raise web.HTTPConflict(text=unavailable)
    if name == "ci-failure":
        await sandbox.simulate_ci_failure()
    elif name == "digest":
        await sandbox.digest_now()
    elif name == "erp-overdue":
        from bot.sandbox import demo

        await sandbox.send(user, demo.CHANNEL, "/ops erp overdue")
    return web.json_response({})
