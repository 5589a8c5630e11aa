"""Stopping the sandbox ends the page's open event streams at once (Ctrl-C once waited 60 s for them)."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.app.settings import Settings
from bot.sandbox.sandbox_app import Sandbox


async def test_stopping_the_sandbox_ends_open_event_streams() -> None:
    """The page keeps an event stream open; stopping must end it instead of waiting out aiohttp's 60 s grace."""
    settings = Settings(
        _env_file=None, github_token=None, openai_api_key=None, tryton_url=None, odoo_url=None
    )
    sandbox = Sandbox(settings, port=0, sweep_interval=None)
    await sandbox.start()
    stopped = False
    try:
        async with aiohttp.ClientSession() as http, http.get(sandbox.url + "api/events") as stream:
            assert (await stream.content.readline()).startswith(b"data: ")
            stopping = asyncio.create_task(sandbox.stop())
            stopped = True
            rest = await asyncio.wait_for(stream.content.read(), 20)  # EOF: the server closed the stream
            assert b"data: -1" not in rest
            await asyncio.wait_for(stopping, 20)
    finally:
        if not stopped:
            await sandbox.stop()
