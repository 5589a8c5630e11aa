"""The whole app on loopback: real HTTP to opsbot, opsbot's real clients to fake Slack and fake GitHub."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from aiohttp import web

from bot.app.settings import Settings
from bot.app.wiring import Opsbot, build
from bot.core.clock import FakeClock
from tests.fakes.github import FakeGitHub
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver

BOT_TOKEN = "xoxb-1111-2222-opsbot-test-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
GITHUB_TOKEN = "ghp_TESTTOKEN0123456789abcdefABCDEF0123"
OPENAI_KEY = "sk-test-opsbot-0123456789abcdef"
RUNBOOKS = Path(__file__).resolve().parents[1] / "runbooks"


class Harness:
    """Start with `async with Harness(db_url) as env`; `env.driver` plays Slack, `env.slack` records replies."""

    def __init__(self, db_url: str, *, model: bool = False, **settings: Any) -> None:
        self.db_url = db_url
        self.overrides = settings
        self.model = FakeOpenAI(api_key=OPENAI_KEY) if model else None
        self.clock = FakeClock()
        self.slack = FakeSlackApi(BOT_TOKEN, epoch=int(self.clock.now().timestamp()))
        self.slack.check_blocks = True  # every block and view the bot sends must parse through slack_sdk's models
        self.github = FakeGitHub(token=GITHUB_TOKEN, now=self.clock.now)
        self.bot: Opsbot | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> Self:
        await self.slack.start()
        await self.github.start()
        if self.model is not None:
            await self.model.start()
        self.github.add_repo("acme/api")
        for channel in ("C1", "C2"):
            self.slack.set_members(channel, [f"U{n}" for n in range(1, 20)])
        await self.start_bot()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_bot()
        await self.github.stop()
        await self.slack.stop()
        if self.model is not None:
            await self.model.stop()

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": self.slack.url,
            "database_url": self.db_url,
            "github_token": GITHUB_TOKEN,
            "github_api_url": self.github.url,
            "opsbot_channel_repos": "C1=acme/api",
            "opsbot_runbooks": str(RUNBOOKS),
            "opsbot_slack_pace_per_second": 0,  # tests post dozens of messages in one channel at once
        }
        if self.model is not None:
            values.update(openai_api_key=OPENAI_KEY, openai_base_url=self.model.url, opsbot_model="gpt-4o-2024-08-06")
        values.update(self.overrides)
        return Settings(_env_file=None, **values)

    async def start_bot(self, *, paused: bool = False) -> Opsbot:
        self.bot = await build(self.settings(), clock=self.clock, migrate=False)
        self.bot.worker.paused = paused
        await self.bot.start(sweep_interval=None)
        await self.bot.worker.drain()  # its start-up sweep only submits what it found: tests see it handled
        self._runner = web.AppRunner(self.bot.web)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        now = lambda: self.clock.now().timestamp()  # noqa: E731 - one clock for the driver and the fake's hooks
        self.slack.hook_now = now
        self.driver = SlackDriver(self.url, SIGNING_SECRET, now=now, response_url_base=self.slack.hooks_url)
        return self.bot

    async def stop_bot(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.bot is not None:
            await self.bot.close()
            self.bot = None

    async def restart(self) -> Opsbot:
        """A new process on the same database: it takes up whatever the old one left."""
        await self.stop_bot()
        return await self.start_bot()

    async def settle(self) -> None:
        """Wait until every accepted event has been handled (observable state, no sleeping)."""
        assert self.bot is not None
        await self.bot.worker.drain()
