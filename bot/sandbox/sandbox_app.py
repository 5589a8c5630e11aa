"""The sandbox in one process: fake Slack (and demo GitHub), the unchanged bot, and the page that plays Slack."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

import aiohttp
from aiohttp import web

from bot.app.settings import Settings
from bot.app.wiring import Opsbot, build
from bot.core.clock import Clock
from bot.core.jsonvalue import Json, JsonObject, obj
from bot.sandbox import demo, saved_state
from bot.sandbox.fakes.fake_odoo import FakeOdoo
from bot.sandbox.fakes.github import FakeGitHub
from bot.sandbox.fakes.slack_api import FakeSlackApi
from bot.sandbox.fakes.slack_bodies import slack_typed
from bot.sandbox.fakes.slack_driver import SlackDriver
from bot.sandbox.page import SHUTDOWN_SECONDS
from bot.sandbox.view import Conversation, PageState, conversation, github_panel, modal

log = logging.getLogger(__name__)


class Sent(TypedDict, total=False):
    """What the composer learns when it sent a message: its ts, and the thread the page should open ("" none)."""

    ts: str
    open_thread: str


class _Driver(SlackDriver):
    """Remembers who each trigger id belongs to, so a modal the bot opens is shown to the person who clicked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting: str = ""
        self.trigger_users: dict[str, str] = {}

    def _trigger_id(self) -> str:
        trigger = super()._trigger_id()
        self.trigger_users[trigger] = self.acting
        return trigger


class Sandbox:
    """``async with Sandbox(Settings()) as sandbox:`` serves the page on ``sandbox.url``."""

    def __init__(
        self,
        base: Settings,
        *,
        host: str = "127.0.0.1",
        port: int = 8600,
        clock: Clock | None = None,
        sweep_interval: float | None = 15.0,
        runbooks: Path | None = None,
        data: Path | None = None,
    ) -> None:
        self.base, self.host, self.port, self.clock = base, host, port, clock
        self.sweep_interval, self.runbooks, self.data = sweep_interval, runbooks, data  # data: saved_state.py
        self.slack = FakeSlackApi(demo.BOT_TOKEN)
        self.github: FakeGitHub | None = None
        self.odoo: FakeOdoo | None = None
        self.bot: Opsbot | None = None
        self.driver: _Driver | None = None
        self.url = ""
        self.bot_url = ""
        self.closed_views: set[str] = set()
        self.view_errors: dict[str, dict[str, str]] = {}
        self.version = 0
        self._listeners: list[Callable[[int], None]] = []
        self._runners: list[web.AppRunner] = []
        self._page: socket.socket | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="opsbot-sandbox-")
        self._keep: Path | None = None  # where stop() saves the fakes' state: set once it was loaded from there

    async def __aenter__(self) -> Sandbox:
        try:
            await self.start()
        except BaseException:
            await self.stop()  # what did start is stopped: the one-line error is all that is printed
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        from bot.sandbox.page import listen, page_app

        if self.data is not None:
            self.data = saved_state.prepare(self.data)  # first: a bad --data DIR is the only thing said
        self._page = listen(self.host, self.port)  # a busy port too
        now = self.clock.now if self.clock is not None else lambda: datetime.now(UTC)
        self.slack.now = lambda: now().timestamp()  # each message's ts is when it was posted
        await self.slack.start()
        demo.seed_slack(self.slack)
        self.slack.subscribe(lambda _call: self.notify())
        github_url = None
        if self.base.github_token is None and self.base.github_app_id is None:  # a real GitHub stays real
            self.github = FakeGitHub(token=demo.GITHUB_TOKEN)
            await self.github.start()
            demo.seed_github(self.github)
            github_url = self.github.url
        odoo_url = None
        if self.base.odoo_url is None and self.base.tryton_url is None:
            self.odoo = FakeOdoo(demo.ODOO_KEY)
            await self.odoo.__aenter__()
            demo.seed_odoo(self.odoo, (self.clock.now() if self.clock else datetime.now(UTC)).date())
            odoo_url = self.odoo.url
        if self.data is not None:
            saved_state.load(self.data, self.slack, self.github)
            self._keep = self.data
        tmp = Path(self._tmp.name)
        rules = tmp / "rules.yaml"
        rules.write_text(demo.RULES, encoding="utf-8")
        settings = demo.settings_for(
            self.base,
            slack_url=self.slack.url,
            github_url=github_url,
            database_url=f"sqlite:///{(self.data or tmp) / saved_state.DATABASE}",
            rules=rules,
            odoo_url=odoo_url,
            runbooks=self.runbooks,
        )
        self.bot = await build(settings, clock=self.clock, migrate=True)
        await self.bot.start(sweep_interval=self.sweep_interval)
        bot_url = self.bot_url = await self._serve(self.bot.web)
        self.driver = _Driver(bot_url, demo.SIGNING_SECRET, response_url_base=self.slack.hooks_url)
        self.driver.now = self.slack.now
        self.url = await self._serve(page_app(self), self._page) + "/"
        self._page = None  # the page runner's now: its cleanup closes it

    async def _serve(self, app: web.Application, where: socket.socket | None = None) -> str:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)  # Ctrl-C stops within 2 s
        self._runners.append(runner)
        await runner.setup()
        await (web.SockSite(runner, where) if where else web.TCPSite(runner, "127.0.0.1", 0)).start()
        bound_host, bound_port = runner.addresses[0][:2]
        return f"http://{bound_host}:{bound_port}"

    async def stop(self) -> None:
        """Everything `start` started, the page first (its open event streams end: bot/sandbox/page.py)."""
        if self._page is not None:
            self._page.close()  # start failed before serving the page
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.bot is not None:
            await self.bot.close()
            self.bot = None
        if self.github is not None:
            await self.github.stop()
        if self.odoo is not None:
            await self.odoo.__aexit__(None, None, None)
            self.odoo = None
        await self.slack.stop()
        if self._keep is not None:
            saved_state.save(self._keep, self.slack, self.github)
        with contextlib.suppress(OSError):
            self._tmp.cleanup()

    # -- change notification (the page listens with server-sent events) ---------------------------

    def listen(self, listener: Callable[[int], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def notify(self) -> None:
        self.version += 1
        for listener in list(self._listeners):
            listener(self.version)

    # -- what the page shows -----------------------------------------------------------------------

    def state(self, user: str) -> PageState:
        me = demo.person(user)
        conversations: list[Conversation] = [
            {"id": demo.CHANNEL, "name": f"#{demo.CHANNEL_NAME}", "kind": "channel"},
            {"id": me.dm, "name": demo.BOT_NAME, "kind": "dm"},
        ]
        return {
            "version": self.version,
            "user": user,
            "people": [{"id": p.id, "name": p.name, "role": p.role} for p in demo.PEOPLE],
            "conversations": conversations,
            "messages": {c["id"]: conversation(self.slack, c["id"], user) for c in conversations},
            "modal": self._open_modal(user),
            "github": github_panel(self.github),
            "demos": self.demos(),
        }

    def demos(self) -> dict[str, str | None]:
        """Each demo button: None when it can run, else why not (a demo must never act on real systems)."""
        real_github = None if self.github is not None else "GITHUB_TOKEN is set: this demo would act on your GitHub"
        real_erp = None if self.odoo is not None else "TRYTON_URL or ODOO_URL is set: this demo reads the demo Odoo"
        return {"ci-failure": real_github, "digest": real_github, "erp-overdue": real_erp}

    def _open_modal(self, user: str) -> JsonObject | None:
        assert self.driver is not None
        mine = [
            view_id
            for view_id, view in self.slack.views.items()
            if self.driver.trigger_users.get(str(view.get("trigger_id"))) == user and view_id not in self.closed_views
        ]
        return modal(self.slack, mine[-1], self.view_errors.get(mine[-1])) if mine else None

    # -- what people do on the page: each becomes a real signed request to the bot ----------------

    async def send(self, user: str, channel: str, text: str, thread_ts: str = "") -> Sent:
        """The composer: ``/ops …`` is a slash command, ``@opsbot …`` a mention, anything in the DM a message."""
        driver, text, thread = self._driver(user), slack_typed(text.strip()), thread_ts or None
        if text.startswith("/ops"):
            self.slack.add_ephemeral(channel, user, text, author=user)  # Slack shows nothing; the page echoes
            self.notify()
            await driver.command(text[len("/ops") :].strip(), user=user, channel=channel)
            return {}
        mention = text.startswith(f"@{demo.BOT_NAME}")
        body = text[len(demo.BOT_NAME) + 1 :].strip() if mention else text
        shown = f"<@{self.slack.bot_user_id}> {body}" if mention and not channel.startswith("D") else text
        ts = self.slack.add_message(channel, shown, user, thread_ts=thread)
        self.notify()
        if channel.startswith("D"):
            await driver.dm(body, user=user, channel=channel, ts=ts, thread_ts=thread)
        elif mention:
            await driver.mention(body, user=user, channel=channel, ts=ts, thread_ts=thread)
        return {"ts": ts, "open_thread": (thread or ts) if mention or channel.startswith("D") else ""}

    async def react(self, user: str, channel: str, ts: str, name: str) -> None:
        author = next((m.get("user", "") for m in self.slack.messages(channel) if m["ts"] == ts), "")
        self.slack.add_reaction(channel, ts, name, user)
        self.notify()
        await self._driver(user).react(name, user=user, channel=channel, item_ts=ts, item_user=str(author))

    async def click(self, user: str, channel: str, ts: str, action_id: str, value: str, block_id: str) -> None:
        message = next((m for m in self.slack.messages(channel) if m["ts"] == ts), None)
        private = message is None and any(m["ts"] == ts for m in self.slack.ephemerals(user))
        await self._driver(user).click(
            action_id, value, as_user=user, channel=channel, message_ts=ts, block_id=block_id, message=message,
            ephemeral=private,
        )  # fmt: skip

    async def submit(self, user: str, view_id: str, values: dict[str, dict[str, str]]) -> JsonObject:
        view = self.slack.views[view_id]
        resp = await self._driver(user).submit_view(
            str(view.get("callback_id", "")),
            values,
            as_user=user,
            private_metadata=str(view.get("private_metadata", "")),
            view_id=view_id,
        )
        reply: Json = json.loads(resp.text) if resp.text.startswith("{") else {}
        answer = reply if isinstance(reply, dict) else {}
        if answer.get("response_action") == "errors":
            self.view_errors[view_id] = {k: str(v) for k, v in obj(answer.get("errors")).items()}
        else:
            self.closed_views.add(view_id)
        self.notify()
        return answer

    # -- demo buttons: the other layers (webhooks, digests, the ERP) -------------------------------

    async def simulate_ci_failure(self) -> None:
        """GitHub's webhooks for a failed CI run on acme/api main, signed, to the bot's /webhooks/github."""
        async with aiohttp.ClientSession() as session:
            for hook in demo.ci_failure_webhooks():
                event = hook.event
                body, headers = demo.signed_webhook(event, hook.payload)
                async with session.post(f"{self.bot_url}/webhooks/github", data=body, headers=headers) as resp:
                    if resp.status >= 300:
                        raise RuntimeError(f"the bot refused the {event} webhook: {resp.status} {await resp.text()}")
                assert self.bot is not None
                await self.bot.worker.drain()  # in order, as GitHub would: the job's failure, then the run's

    async def digest_now(self) -> None:
        """Post a pull-request digest for acme/api in #ops now, built by the bot's own digest builder."""
        assert self.bot is not None and self.bot.triggers is not None
        scheduler = self.bot.triggers.scheduler
        content = await scheduler.builder.build(demo.DIGEST_NOW, None)
        await scheduler.chat.post(demo.CHANNEL, content.text, content.blocks)

    def close_view(self, view_id: str) -> None:
        self.closed_views.add(view_id)
        self.notify()

    def _driver(self, user: str) -> _Driver:
        demo.person(user)  # only the demo people can act
        assert self.driver is not None
        self.driver.acting = user
        return self.driver
