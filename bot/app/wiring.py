"""The composition root: builds settings, engine, clients, registry, service and the Bolt app. Nothing at import."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy.ext.asyncio import AsyncEngine

import handlers
from bot.app.agent_wiring import build_agent
from bot.app.mcp_wiring import Mcp, build_mcp
from bot.app.readiness import Readiness
from bot.app.settings import Settings
from bot.app.slack_delivery import make_chat
from bot.app.units import build_registry
from bot.approvals.membership import Membership
from bot.approvals.policy import load_policy
from bot.approvals.resolved_policy import ResolvedPolicy
from bot.core import metrics
from bot.core.approval_rules import Asker
from bot.core.claims import Claims
from bot.core.clock import Clock
from bot.core.domain import Event, RunKind
from bot.core.drivers import Driver
from bot.core.installation import Installation
from bot.dispatch.click_routes import Actions
from bot.dispatch.queries import Queries
from bot.dispatch.service import Service, ServiceConfig
from bot.edges.web import build_web_app
from bot.edges.web_hooks import HookConfig, webhook_routes
from bot.edges.worker import Worker
from bot.orchestration.agent.progress import Progress
from bot.orchestration.cards import Cards
from bot.orchestration.decisions import Decider
from bot.orchestration.declines import Declines
from bot.orchestration.edits import Editor
from bot.orchestration.planner.grammar import GrammarPlanner
from bot.orchestration.recovery import Recovery
from bot.orchestration.runbooks.launcher import RunbookLauncher
from bot.orchestration.runbooks.loader import load_runbooks
from bot.orchestration.runbooks.runbook_engine import RunbookEngine
from bot.orchestration.runbooks.runbook_tools import run_runbook_tool
from bot.orchestration.runner import Runner, RunnerConfig
from bot.orchestration.thread_poster import ThreadPoster
from bot.orchestration.timers import Timers
from bot.slack_ui.slack_messages import SlackMessages
from bot.store.audit import AuditLog
from bot.store.db_clock import DatabaseClock
from bot.store.engine import make_engine, upgrade_database
from bot.store.gauges import read_backlog
from bot.store.mcp_token_rows import McpTokenStore
from bot.store.repository import Repository
from bot.store.triggers import TriggerStore
from bot.triggers.handler import TriggerDeps, Triggers, build_triggers
from bot.triggers.trigger_rules import load_rules
from integrations.slack import SlackChat, make_client
from integrations.slack_directory import SlackDirectory
from integrations.unit import ToolContext

log = logging.getLogger(__name__)


@dataclass
class Opsbot:
    settings: Settings
    engine: AsyncEngine
    session: aiohttp.ClientSession
    chat: SlackChat
    service: Service
    worker: Worker
    bolt: AsyncApp
    web: web.Application
    audit: AuditLog
    repo: Repository
    auth: dict[str, Any]
    timers: Timers
    readiness: Readiness
    triggers: Triggers | None = None
    db_clock: DatabaseClock | None = None  # None: a clock was given (tests)
    mcp: Mcp | None = None  # opsbot's tools over MCP: served at /mcp when OPSBOT_MCP=on, and by `opsbot mcp`

    async def start(self, *, sweep_interval: float | None = 15.0) -> None:
        """Resolve the bot identity once, read the database's clock, take up work left by a crash (submitted, not
        waited for: a backlog does not hold up the start), then keep sweeping the inbox and recovering steps."""
        resp = await self.chat.client.auth_test()
        self.auth.update(resp.data if isinstance(resp.data, dict) else {})
        if self.db_clock is not None:
            await self.db_clock.measure()  # before any lease is compared
        await self.service.recover()
        await self.worker.sweep()
        if sweep_interval:
            interval = min(sweep_interval, self.worker.heartbeat_every)  # taken up within lease + interval (40 s)
            self.worker.start(interval)
            self.timers.start(interval)  # recovery too: a step cut off is taken over within a minute
            if self.db_clock is not None:
                self.db_clock.start()
            if self.triggers is not None:
                self.triggers.scheduler.start()  # tests drive `scheduler.fire_due(now)` with a fake clock instead
            self.service.help.warm()
        self.readiness.started = True

    def drain(self) -> None:
        """Stop taking traffic: `/readyz` answers 503 from now on. Requests that still arrive are stored and left
        for the next sweep of another replica: this process takes no new work."""
        self.readiness.draining = True
        self.worker.pause()

    async def finish_work(self, seconds: float, *, cut_short: asyncio.Event | None = None) -> int:
        """After `drain`: stop the timers and schedules, give running work up to `seconds`, then cancel it and give
        its events back (leases released). Returns how many events were given back."""
        self.drain()
        await self.timers.stop()
        if self.triggers is not None:
            await self.triggers.scheduler.stop()
        return await self.worker.finish_within(seconds, cut_short=cut_short)

    async def close(self) -> None:
        await self.timers.stop()
        if self.triggers is not None:
            await self.triggers.scheduler.stop()
        await self.worker.stop()  # the work in flight ends first: it may need the model and the triggers' store
        if self.db_clock is not None:
            await self.db_clock.stop()
        if self.triggers is not None:
            self.triggers.dispose()
        if self.service.agent is not None:
            await self.service.agent.model.close()
        await self.session.close()
        self.repo.db.dispose()
        self.audit.db.dispose()
        await self.engine.dispose()


async def build(settings: Settings, *, clock: Clock | None = None, migrate: bool | None = None) -> Opsbot:
    """Everything, in dependency order, top to bottom; nothing is changed after it is built. If building fails (a
    bad policy, rules or runbook file), the HTTP session and the database engine made for it are closed again."""
    engine = make_engine(settings.async_database_url)
    session: aiohttp.ClientSession | None = None
    try:
        if migrate if migrate is not None else settings.async_database_url.startswith("sqlite"):
            await upgrade_database(engine)
        # a connection pool per upstream host (aiohttp's default: 100 shared by all), so a hung ERP cannot hold the
        # connections Slack's Web API calls need
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, limit_per_host=100))
        return _compose(settings, clock or DatabaseClock(engine), engine, session)  # leases on the database's clock
    except BaseException:
        if session is not None:
            await session.close()
        await engine.dispose()
        raise


def _compose(settings: Settings, clock: Clock, engine: AsyncEngine, session: aiohttp.ClientSession) -> Opsbot:
    secrets = settings.secret_values()  # every SecretStr of every section: redacted everywhere
    token = _secret(settings.slack_bot_token) or None
    audit = AuditLog(engine, secrets)
    chat = make_chat(settings, session, token, engine=engine, audit=audit, clock=clock)  # messages: the outbox
    directory = SlackDirectory(chat.client, clock)
    repo = Repository(engine, secrets)
    messages = SlackMessages()
    poster = ThreadPoster(store=repo, chat=chat, messages=messages)
    progress = Progress(repo=repo, poster=poster, chat=chat, messages=messages, clock=clock)

    local = clock.local if isinstance(clock, DatabaseClock) else clock  # what other parties compare: this machine's
    context = ToolContext(http=session, clock=local, user_name=directory.user_name)
    books = load_runbooks(settings.opsbot_runbooks, build_registry(settings, context))  # they call these tools
    launcher = RunbookLauncher(repo=repo, audit=audit, clock=clock, books=books, progress=progress)
    registry = build_registry(settings, context, extra=[run_runbook_tool(launcher.start_from_tool)])
    metrics.known_tools(registry.names())  # every tool's calls listed at 0 from the first scrape
    policy = load_policy(
        settings.opsbot_policy,
        approvers=tuple(sorted(settings.approvers)),
        ttl=timedelta(minutes=settings.opsbot_approval_ttl_minutes),
        known_tools=registry.names(),
    )

    agent = build_agent(settings, repo=repo, audit=audit, registry=registry, poster=poster, chat=chat, clock=clock)
    runbooks = RunbookEngine(
        repo=repo, audit=audit, registry=registry, poster=poster, messages=messages, clock=clock, books=books,
        progress=progress,
    )  # fmt: skip
    drivers: dict[RunKind, Driver] = {RunKind.RUNBOOK: runbooks}
    if agent is not None:
        drivers[RunKind.AGENT] = agent
    cards = Cards(repo=repo, chat=chat, messages=messages, registry=registry)
    auth: dict[str, Any] = {}  # the bot's identity, from auth.test when it starts
    installation = partial(Installation.from_auth, auth)  # None until auth.test answered: Slack requests refused
    resolved = ResolvedPolicy(policy, directory, installation=installation)
    claims, lease = Claims(Worker.new_name()), timedelta(seconds=settings.opsbot_lease_seconds)  # and heartbeats
    runner = Runner(
        repo=repo, audit=audit, registry=registry, poster=poster, cards=cards, messages=messages, clock=clock,
        config=RunnerConfig(policy=resolved, askers=resolved, claims=claims, heartbeat_timeout=lease,
                            thread_keys=TriggerStore(engine, secrets)),
        drivers=drivers,
    )  # fmt: skip
    decider = Decider(
        repo=repo, audit=audit, runner=runner, cards=cards, messages=messages, chat=chat, clock=clock,
        membership=Membership(directory), installation=installation,
        declines=Declines(
            repo=repo, audit=audit, runner=runner, messages=messages, clock=clock, directory=directory
        ),
    )  # fmt: skip
    recovery = Recovery(decider=decider)
    timers = Timers(decider=decider, recovery=recovery, periodic=[runner.resume_stalled])

    async def digest_may_ask(tool: str, event: Event) -> str | None:
        rules = await resolved.rules_for(tool, {}, event.channel)
        asker = Asker(user=event.actor, channel=event.channel, team_id=event.user_team_id)
        return await resolved.ask_refusal(tool, rules, asker, risky=False)

    planner = GrammarPlanner()
    triggers = build_triggers(
        load_rules(settings.opsbot_rules, known_tools=tuple(registry.names())),
        TriggerDeps(
            engine=engine, repo=repo, runner=runner, registry=registry, planner=planner, chat=chat, clock=clock,
            session=session, team_id=lambda: str(auth.get("team_id") or ""), name=claims.name,
            stale_days=settings.opsbot_digest_stale_days, agent=agent, digest_admins=settings.approvers,
            digest_may_ask=digest_may_ask, github_people=settings.github_people,
        ),
    )  # fmt: skip
    mcp_tokens = McpTokenStore(engine, secrets)
    service = Service(
        repo=repo, audit=audit, registry=registry, planner=planner, runner=runner,
        queries=Queries(repo=repo, audit=audit, clock=clock, membership=Membership(directory), directory=directory),
        runbooks=launcher,
        actions=Actions(decider=decider, editor=Editor(decider=decider, registry=registry), recovery=recovery),
        triggers=triggers, agent=agent, chat=chat, clock=clock,
        config=ServiceConfig(
            channel_repos=settings.channel_repos,
            bot_identity=lambda: (auth.get("user_id"), auth.get("user")),  # from auth.test at start-up
            deploy_workflow=settings.opsbot_deploy_workflow, user_name=directory.user_name,
        ),
        installation=installation, mcp_tokens=mcp_tokens,  # `/ops mcp token …`
    )  # fmt: skip
    worker = Worker(repo=repo, handler=service.handle, clock=clock, lease=lease, claims=claims)
    bolt = _bolt(settings, session, token, auth)
    handlers.register_all(bolt, worker.accept)
    readiness = Readiness(engine=engine)
    app = build_web_app(
        bolt,
        signing_secret=_secret(settings.slack_signing_secret),
        clock=local,
        health=readiness.ready,
        backlog=lambda: read_backlog(repo.db, clock.now()),  # the gauges /metrics reads from the database
        extra_routes=webhook_routes(
            worker.accept,
            HookConfig(
                github_secret=_secret(settings.github_webhook_secret),
                alertmanager_token=_secret(settings.opsbot_alertmanager_token),
                team_id=lambda: str(auth.get("team_id") or ""),
            ),
        ),
    )
    mcp = build_mcp(
        settings, tokens=mcp_tokens, registry=registry, runner=runner, repo=repo, audit=audit,
        clock=clock, directory=directory,
    )  # fmt: skip
    if settings.opsbot_mcp:
        mcp.mount(app, settings)
    return Opsbot(
        settings=settings, engine=engine, session=session, chat=chat, service=service, worker=worker, bolt=bolt,
        web=app, audit=audit, repo=repo, auth=auth, timers=timers, readiness=readiness, triggers=triggers,
        db_clock=clock if isinstance(clock, DatabaseClock) else None, mcp=mcp,
    )  # fmt: skip


def _bolt(settings: Settings, session: aiohttp.ClientSession, token: str | None, auth: dict[str, Any]) -> AsyncApp:
    async def authorize(**_kwargs: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=auth.get("enterprise_id"),
            team_id=auth.get("team_id"),
            bot_user_id=auth.get("user_id"),
            bot_id=auth.get("bot_id"),
            bot_token=token,
        )

    return AsyncApp(
        # Bolt gets its own tokenless client (the token comes from `authorize`); listeners never call Slack.
        client=make_client(None, settings.slack_api_url, session),
        authorize=authorize,
        signing_secret=_secret(settings.slack_signing_secret),
        request_verification_enabled=False,  # verified at the HTTP edge, before anything else
        process_before_response=True,
    )


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
