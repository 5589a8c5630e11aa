"""`opsbot run`: serve Slack over HTTP (or Socket Mode) until SIGTERM or SIGINT, then drain.

On the first signal `/readyz` answers 503 at once and this process takes no new work. Over HTTP, requests that
still arrive are stored for OPSBOT_DRAIN_SECONDS (a load balancer takes a moment to stop sending) and left for
another replica's sweep; work in flight gets until the same deadline, is then cancelled, and every event this
process claimed but did not finish is given back (its lease released) so the next sweep of any replica takes it
up. Over Socket Mode the socket is closed first (Slack sends to the app's other connections) and the process stops
as soon as its work is done. A second signal cuts the drain short; the events are given back all the same."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import socket as sockets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.app.cli_commands import (
    _DATABASE_ERRORS,
    _SLACK_ERRORS,
    StartupError,
    _listen,
    _reach_database,
    database_failure,
    slack_failure,
)
from bot.app.placeholders import ignore_placeholders
from bot.app.settings import Settings
from bot.app.wiring import Opsbot, build
from bot.core.errors import ConfigurationError
from bot.edges.access_log import web_runner
from bot.store.engine import schema_problem

T = TypeVar("T")

_APP_LEVEL_ADVICE = (
    "copy an app-level token (xapp-…) with the connections:write scope from the app's Basic Information page"
)


class Stopped(Exception):
    """A signal came while opsbot was still starting: what was started is closed, and it exits 0."""


class Signals:
    """SIGINT and SIGTERM: the first asks for a drain (and calls `on_first` at once, so readiness flips in the
    same loop turn as the signal) or, while starting, for a stop; the second for a stop now."""

    def __init__(self) -> None:
        self.first = asyncio.Event()
        self.again = asyncio.Event()
        self.on_first: Callable[[], None] = lambda: None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._received)

    def _received(self) -> None:
        if self.first.is_set():
            self.again.set()
            return
        self.first.set()
        self.on_first()

    async def unless_stopped(self, work: Awaitable[T]) -> T:
        """`work`, unless a signal comes first: then it is cancelled and `Stopped` raised (a database or a
        Slack that does not answer never makes Ctrl-C wait)."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self.first.wait())
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise Stopped
        return task.result()


async def run(settings: Settings, *, socket: bool, host: str | None, port: int | None) -> int:
    if socket and settings.slack_app_token is None:
        raise ConfigurationError("Missing setting: SLACK_APP_TOKEN (Socket Mode needs an app-level token).")
    settings.require_for_run()
    settings = ignore_placeholders(settings)  # optional example values from .env.example: unset, one WARNING each
    signals = Signals()
    signals.install()  # from here on a signal stops the start-up too, never kills it halfway
    try:
        return await _serve(settings, signals, socket=socket, host=host or settings.host, port=port or settings.port)
    except Stopped:
        print("opsbot: stopped while starting", flush=True)
        return 0


async def _serve(settings: Settings, signals: Signals, *, socket: bool, host: str, port: int) -> int:
    try:
        bot = await signals.unless_stopped(build(settings))  # runs the migrations on SQLite
    except _DATABASE_ERRORS as exc:
        raise database_failure(exc, settings.async_database_url) from exc
    signals.on_first = bot.drain
    runner: web.AppRunner | None = None
    handler: AsyncSocketModeHandler | None = None
    listener: sockets.socket | None = None
    try:
        # The port is taken before anything starts, so a busy one is the only thing said; served once started.
        listener = _listen(host, port)
        await signals.unless_stopped(_reach_database(bot.engine))  # PostgreSQL is touched lazily, after auth.test
        await _schema_is_ours(bot)
        url = await signals.unless_stopped(_socket_url(bot, settings)) if socket else None  # before any work
        try:
            await signals.unless_stopped(bot.start())
        except _SLACK_ERRORS as exc:
            raise slack_failure(exc, settings) from exc
        if url is not None:
            assert settings.slack_app_token is not None
            handler = AsyncSocketModeHandler(bot.bolt, settings.slack_app_token.get_secret_value())
            handler.client.wss_uri = url
            await signals.unless_stopped(handler.connect_async())  # type: ignore[no-untyped-call]
            print("opsbot: connected over Socket Mode", flush=True)
        runner = web_runner(bot.web)  # its access log shows paths, never query strings
        await runner.setup()
        await web.SockSite(runner, listener).start()
        listener = None  # the runner's now: its cleanup closes it
        # What start-up built lives as long as the process: frozen, no collection walks it again (the full
        # collection at exit took 1.5 s, most of the time a stop took).
        gc.freeze()
        print(f"opsbot: listening on http://{host}:{port}/slack/events", flush=True)
        await signals.first.wait()
        await drain(bot, settings.opsbot_drain_seconds, signals, handler)
        handler = None
    finally:
        if listener is not None:
            listener.close()
        if handler is not None:
            await handler.close_async()  # type: ignore[no-untyped-call]
        if runner is not None:
            await runner.cleanup()
        await bot.close()
    return 0


async def drain(bot: Opsbot, seconds: float, signals: Signals, handler: AsyncSocketModeHandler | None) -> int:
    """Not ready at once; over HTTP keep storing until the deadline; give work until then; give back the rest."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    bot.drain()
    print(f"opsbot: stopping — finishing work for up to {seconds:g} s (a second Ctrl-C stops now)", flush=True)
    if handler is not None:
        await handler.close_async()  # type: ignore[no-untyped-call]
    given_back = await bot.finish_work(seconds, cut_short=signals.again)
    if handler is None:  # HTTP: requests may still be routed here until the load balancer has caught up
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signals.again.wait(), timeout=max(0.0, deadline - loop.time()))
    if given_back:
        print(f"opsbot: gave back {given_back} unfinished event(s) for another replica", flush=True)
    return given_back


async def _schema_is_ours(bot: Opsbot) -> None:
    problem = await schema_problem(bot.engine)
    if problem is not None:
        where = bot.engine.url.render_as_string(hide_password=True)
        todo = (
            "run that newer opsbot instead (a schema is never migrated down)"
            if "newer" in problem
            else "run `opsbot db upgrade` with this version (Kubernetes: the opsbot-migrate Job; compose: the "
            "migrate service), then start opsbot again"
        )
        raise StartupError(f"the database at {where} {problem}", todo)


async def _socket_url(bot: Opsbot, settings: Settings) -> str:
    """Ask Slack for a socket URL once, so a refused app token is one line (the SDK would retry it forever)."""
    assert settings.slack_app_token is not None
    try:
        opened = await bot.bolt.client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        raise StartupError(f"Slack refused SLACK_APP_TOKEN ({error})", _APP_LEVEL_ADVICE) from exc
    except _SLACK_ERRORS as exc:
        raise slack_failure(exc, settings) from exc
    return str(opened["url"])
