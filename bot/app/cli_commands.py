"""What each CLI command does (kept apart from argument parsing)."""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

from bot.app.settings import Settings
from bot.app.wiring import build
from bot.core.errors import ConfigurationError
from bot.edges.access_log import web_runner
from bot.store.audit import AuditLog
from bot.store.engine import make_engine, upgrade_database


async def run(settings: Settings, *, socket: bool, host: str | None, port: int | None) -> int:
    if socket and settings.slack_app_token is None:
        raise ConfigurationError("Missing setting: SLACK_APP_TOKEN (Socket Mode needs an app-level token).")
    settings.require_for_run()
    bot = await build(settings)
    await bot.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner: web.AppRunner | None = None
    handler = None
    try:
        if socket:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            assert settings.slack_app_token is not None
            handler = AsyncSocketModeHandler(bot.bolt, settings.slack_app_token.get_secret_value())
            await handler.connect_async()  # type: ignore[no-untyped-call]
            print("opsbot: connected over Socket Mode", flush=True)
        runner = web_runner(bot.web)  # its access log shows paths, never query strings
        await runner.setup()
        bind_host, bind_port = host or settings.host, port or settings.port
        await web.TCPSite(runner, bind_host, bind_port).start()
        print(f"opsbot: listening on http://{bind_host}:{bind_port}/slack/events", flush=True)
        await stop.wait()
    finally:
        if handler is not None:
            await handler.close_async()  # type: ignore[no-untyped-call]
        if runner is not None:
            await runner.cleanup()
        await bot.close()
    return 0


async def sandbox(settings: Settings, *, host: str, port: int) -> int:
    """The bot against a local Slack stand-in and a web page, on demo data; runs until Ctrl-C."""
    from bot.sandbox.sandbox_app import Sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Sandbox(settings, host=host, port=port) as running:
        github = "demo GitHub (acme/api)" if running.github is not None else f"GitHub at {settings.github_api_url}"
        planner = "LLM agent" if settings.openai_api_key is not None else "offline command grammar"
        print(f"opsbot sandbox: {github}, {planner}, a fresh SQLite database; Ctrl-C stops it", flush=True)
        print(f"opsbot sandbox: open {running.url}", flush=True)
        await stop.wait()
    return 0


async def db_upgrade(settings: Settings) -> int:
    engine = make_engine(settings.async_database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()
    print(f"opsbot: database at {engine.url.render_as_string(hide_password=True)} is up to date")
    return 0


async def check(settings: Settings) -> int:
    from bot.app.checks import run_checks

    ok = await run_checks(settings)
    return 0 if ok else 1


async def runbooks_check(settings: Settings) -> int:
    """Validate every runbook against the tools this configuration has; errors name file and line."""
    import aiohttp

    from bot.app.units import build_registry
    from bot.core.clock import SystemClock
    from bot.orchestration.runbooks.loader import load_runbooks
    from integrations.unit import ToolContext

    async with aiohttp.ClientSession() as http:  # nothing is called: the tools are only listed
        registry = build_registry(settings, ToolContext(http=http, clock=SystemClock()))
    books = load_runbooks(settings.opsbot_runbooks, registry)  # raises a ConfigurationError with file and line
    for book in books.values():
        note = f" (unavailable: {book.unavailable})" if book.unavailable else ""
        print(f"[ok  ] {book.name}: {len(book.spec.steps)} steps, {book.source}{note}")
    print(f"opsbot: {len(books)} runbook{'s' if len(books) != 1 else ''} in {settings.opsbot_runbooks} checked")
    return 0


async def audit_verify(settings: Settings) -> int:
    engine = make_engine(settings.async_database_url)
    try:
        report = await AuditLog(engine).verify()
    finally:
        await engine.dispose()
    if report.ok:
        print(f"opsbot: audit chain intact ({report.rows} rows)")
        return 0
    print(f"opsbot: audit chain broken at row {report.broken_at}: {report.reason}")
    return 1
