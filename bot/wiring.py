"""The composition root: builds settings, engine, clients, registry, service and the Bolt app. Nothing at import."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import handlers
from bot.actions import Actions
from bot.agent.conversation import Limits
from bot.agent.loop import AgentLoop
from bot.clock import Clock, SystemClock
from bot.decisions import Decider
from bot.edits import Editor
from bot.membership import Membership
from bot.planner.grammar import GrammarPlanner
from bot.policy import load_policy
from bot.policy_port import ResolvedPolicy
from bot.queries import Queries
from bot.recovery import Recovery
from bot.runbooks.engine import RunbookEngine
from bot.runbooks.loader import load_runbooks
from bot.runbooks.tools import run_runbook_tool
from bot.runner import Runner, RunnerConfig
from bot.service import Service, ServiceConfig
from bot.settings import Settings
from bot.slack_messages import SlackMessages
from bot.store.audit import AuditLog
from bot.store.engine import make_engine, upgrade_database
from bot.store.repository import Repository
from bot.timers import Timers
from bot.triggers.handler import TriggerDeps, Triggers, build_triggers
from bot.triggers.rules import load_rules
from bot.web import build_web_app
from bot.web_hooks import HookConfig, webhook_routes
from bot.worker import Worker
from integrations.erp import erp_from_settings
from integrations.github import GitHubGateway
from integrations.openai_model import OpenAIModel
from integrations.slack import SlackChat, make_client
from integrations.slack_directory import SlackDirectory
from integrations.tools import build_registry

log = logging.getLogger(__name__)


def secrets_of(settings: Settings) -> tuple[str, ...]:
    return settings.secret_values()


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
    triggers: Triggers | None = None

    async def start(self, *, sweep_interval: float | None = 15.0) -> None:
        """Resolve the bot identity once, take up work left by a crash, then keep sweeping the inbox."""
        resp = await self.chat.client.auth_test()
        self.auth.update(resp.data if isinstance(resp.data, dict) else {})
        await self.service.recover()
        await self.worker.sweep()
        if sweep_interval:
            self.worker.start(sweep_interval)
            self.timers.start(min(sweep_interval * 2, 30.0))
            if self.triggers is not None:
                self.triggers.scheduler.start()  # tests drive `scheduler.fire_due(now)` with a fake clock instead

    async def close(self) -> None:
        await self.timers.stop()
        if self.triggers is not None:
            await self.triggers.scheduler.stop()
            self.triggers.dispose()
        if self.service.agent is not None:
            await self.service.agent.model.close()
        await self.worker.stop()
        await self.session.close()
        self.repo.db.dispose()
        self.audit.db.dispose()
        await self.engine.dispose()

    async def healthy(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True


async def build(settings: Settings, *, clock: Clock | None = None, migrate: bool | None = None) -> Opsbot:
    clock = clock or SystemClock()
    engine = make_engine(settings.async_database_url)
    if migrate if migrate is not None else settings.async_database_url.startswith("sqlite"):
        await upgrade_database(engine)
    secrets = secrets_of(settings)
    session = aiohttp.ClientSession()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = make_client(token, settings.slack_api_url, session)
    chat = SlackChat(client, secrets)
    repo = Repository(engine)
    audit = AuditLog(engine, secrets)
    github = GitHubGateway(
        token=settings.github_token.get_secret_value() if settings.github_token else None,
        base_url=settings.github_api_url,
        clock=clock,
    )
    registry = build_registry(github=github, erp=erp_from_settings(settings, session), clock=clock)
    books = load_runbooks(settings.opsbot_runbooks, registry)
    directory = SlackDirectory(client, clock)
    policy = load_policy(
        settings.opsbot_policy,
        approvers=tuple(sorted(settings.approvers)),
        ttl=timedelta(minutes=settings.opsbot_approval_ttl_minutes),
        known_tools=registry.names(),
    )
    runner = Runner(
        repo=repo,
        audit=audit,
        registry=registry,
        chat=chat,
        messages=SlackMessages(),
        clock=clock,
        config=RunnerConfig(policy=ResolvedPolicy(policy, directory)),
    )
    decider = Decider(repo=repo, audit=audit, runner=runner, chat=chat, clock=clock, membership=Membership(directory))
    runbooks = RunbookEngine(repo=repo, audit=audit, registry=registry, runner=runner, clock=clock, books=books)
    registry.add(run_runbook_tool(runbooks.start_from_tool))
    recovery = Recovery(decider=decider)
    timers = Timers(decider=decider, recovery=recovery)
    service = Service(
        repo=repo,
        audit=audit,
        registry=registry,
        planner=GrammarPlanner(),
        runner=runner,
        queries=Queries(repo=repo, audit=audit, clock=clock),
        runbooks=runbooks,
        actions=Actions(decider=decider, editor=Editor(decider=decider, registry=registry), recovery=recovery),
        chat=chat,
        clock=clock,
        config=ServiceConfig(channel_repos=settings.channel_repos),
    )
    timers.extra.append(runbooks.tick)
    agent = None
    if settings.openai_api_key is not None:
        model = OpenAIModel(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            model=settings.opsbot_model,
            timeout=settings.opsbot_model_timeout_seconds,
        )
        agent = AgentLoop(
            repo=repo,
            audit=audit,
            registry=registry,
            runner=runner,
            chat=chat,
            clock=clock,
            model=model,
            limits=Limits(
                max_turns=settings.opsbot_agent_max_turns,
                max_tokens=settings.opsbot_agent_max_tokens,
                per_user_per_hour=settings.opsbot_agent_requests_per_hour,
            ),
            secrets=secrets,
            refuse_double_texts_in=frozenset(
                c.strip() for c in settings.opsbot_refuse_double_texts_in.split(",") if c.strip()
            ),
        )
        service.agent = agent
        timers.extra.append(agent.recover)
    worker = Worker(repo=repo, handler=service.handle, clock=clock)
    auth: dict[str, Any] = {}
    triggers = build_triggers(
        load_rules(settings.opsbot_rules, known_tools=tuple(registry.names())),
        TriggerDeps(
            engine=engine,
            repo=repo,
            runner=runner,
            registry=registry,
            planner=service.planner,
            chat=chat,
            clock=clock,
            session=session,
            team_id=lambda: str(auth.get("team_id") or ""),
            name=worker.name,
            stale_days=settings.opsbot_digest_stale_days,
            agent=lambda: service.agent,
        ),
    )
    service.triggers = triggers

    async def authorize(**_kwargs: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=auth.get("enterprise_id"),
            team_id=auth.get("team_id"),
            bot_user_id=auth.get("user_id"),
            bot_id=auth.get("bot_id"),
            bot_token=token,
        )

    bolt = AsyncApp(
        # Bolt gets its own tokenless client (the token comes from `authorize`); listeners never call Slack.
        client=make_client(None, settings.slack_api_url, session),
        authorize=authorize,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        request_verification_enabled=False,  # verified at the HTTP edge, before anything else
        process_before_response=True,
    )
    handlers.register_all(bolt, worker.accept)
    bot = Opsbot(
        settings=settings,
        engine=engine,
        session=session,
        chat=chat,
        service=service,
        worker=worker,
        bolt=bolt,
        web=web.Application(),
        audit=audit,
        repo=repo,
        auth=auth,
        timers=timers,
        triggers=triggers,
    )
    bot.web = build_web_app(
        bolt,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        clock=clock,
        health=bot.healthy,
        extra_routes=webhook_routes(
            worker.accept,
            HookConfig(
                github_secret=_secret(settings.github_webhook_secret),
                alertmanager_token=_secret(settings.opsbot_alertmanager_token),
                team_id=lambda: str(auth.get("team_id") or ""),
            ),
        ),
    )
    return bot


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
