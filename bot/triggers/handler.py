"""The trigger layer's entry points for the service: webhook events, the rerun/remind buttons and `/ops digest`."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.clock import Clock
from bot.core.domain import Event, Source, ToolCall
from bot.core.errors import UserFacingError
from bot.core.jsonvalue import JsonObject, items
from bot.core.ports import Chat
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.planner.planner_base import Planner
from bot.orchestration.runner import Runner
from bot.slack_ui.block_kit import ActionId
from bot.store.repository import Repository
from bot.store.triggers import TriggerStore
from bot.triggers.alerts import AlertReactions
from bot.triggers.digests import DigestBuilder
from bot.triggers.followups import Followups
from bot.triggers.github_reactions import GitHubReactions
from bot.triggers.probes import Prober
from bot.triggers.scheduler import DigestScheduler
from bot.triggers.threads import Threads
from bot.triggers.trigger_commands import AskCheck, DigestCommands
from bot.triggers.trigger_rules import Rules

if TYPE_CHECKING:
    from bot.orchestration.agent.agent_loop import AgentLoop

log = logging.getLogger(__name__)

RERUN_TOOL = "rerun_failed_jobs"


class Triggers:
    def __init__(
        self,
        *,
        github: GitHubReactions,
        alerts: AlertReactions,
        commands: DigestCommands,
        followups: Followups,
        scheduler: DigestScheduler,
        store: TriggerStore,
        chat: Chat,
        clock: Clock,
    ) -> None:
        self.github = github
        self.alerts = alerts
        self.commands = commands
        self.followups = followups
        self.scheduler = scheduler
        self.prober = scheduler.prober
        self.store = store
        self.chat = chat
        self.clock = clock

    async def handle(self, inbox_id: int, event: Event) -> None:
        if event.source is Source.GITHUB:
            await self.github.handle(inbox_id, event)
        elif event.source is Source.ALERTMANAGER:
            await self.alerts.handle(inbox_id, event)

    def owns(self, event: Event) -> bool:
        return event.payload.get("action_id") in BUTTONS

    async def on_click(self, inbox_id: int, event: Event) -> None:
        """**Rerun failed jobs** / **Remind reviewers**: propose the tool call as a run; its approval card goes to
        the thread (both are `write` tools: the registry gates them, whoever clicked)."""
        button = BUTTONS[str(event.payload.get("action_id"))]
        value = str(event.payload.get("value") or "")
        tool, args = button.call(_button_args(value, button))
        runner = self.followups.runner
        model = runner.registry.validate(tool, args)
        thread_ts = event.thread_ts or event.message_ts
        digest = hashlib.sha256(value.encode()).hexdigest()[:16]
        if not await self.store.claim(
            f"{button.name}:{event.channel}:{event.message_ts}:{digest}", event.actor, self.clock.now()
        ):
            raise UserFacingError(button.already, hint=button.hint)
        call = ToolCall(tool=tool, args=model.model_dump(mode="json"))
        await runner.start(replace(event, thread_ts=thread_ts), [call], inbox_id=inbox_id, thread_ts=thread_ts)

    async def digest_command(self, query: str, event: Event, default_repo: str | None) -> tuple[str, list[JsonObject]]:
        return await self.commands.run(query, event, default_repo)

    def dispose(self) -> None:
        self.store.dispose()


def _button_args(value: str, button: Button) -> JsonObject:
    args: object
    try:
        args = json.loads(value)
    except ValueError:
        args = None
    if not isinstance(args, dict) or not args.get("repo"):
        raise UserFacingError(f"That button no longer says what to {button.verb}.", hint=button.hint)
    return args


@dataclass(frozen=True, kw_only=True)
class Button:
    name: str
    verb: str
    already: str
    hint: str
    call: Callable[[JsonObject], tuple[str, JsonObject]]  # the button's arguments → the tool call it proposes


GITHUB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38})")


def reminder(args: JsonObject) -> tuple[str, JsonObject]:
    """A comment that @-mentions the requested reviewers and teams (names GitHub would accept, nothing else)."""
    repo = str(args["repo"])
    owner = repo.split("/")[0]
    names = [f"@{login}" for login in items(args.get("reviewers")) if GITHUB_NAME.fullmatch(str(login))]
    names += [f"@{owner}/{slug}" for slug in items(args.get("teams")) if GITHUB_NAME.fullmatch(str(slug))]
    if not names:
        raise UserFacingError("Nobody is requested to review that pull request any more: nothing to remind.")
    body = (
        f"{', '.join(names)}: a friendly reminder that this pull request is waiting for your review. "
        "(Sent from Slack with opsbot.)"
    )
    return "comment", {"repo": repo, "number": args.get("pr"), "body": body}


BUTTONS = {
    ActionId.RERUN_FAILED.value: Button(
        name="rerun",
        verb="re-run",
        already="A re-run was already requested from this message; see its approval card in the thread.",
        hint="To ask again, use `/ops rerun failed jobs on pr <n> in <repo>`.",
        call=lambda args: (RERUN_TOOL, args),
    ),
    ActionId.REMIND_REVIEWERS.value: Button(
        name="remind",
        verb="remind",
        already="A reminder was already proposed from this message; see its approval card in the thread.",
        hint="To write one yourself: `/ops comment on pr <n> in <repo>: <text>`.",
        call=reminder,
    ),
}


@dataclass(frozen=True, kw_only=True)
class TriggerDeps:
    engine: AsyncEngine
    repo: Repository
    runner: Runner
    registry: ToolRegistry
    planner: Planner
    chat: Chat
    clock: Clock
    session: aiohttp.ClientSession
    team_id: Callable[[], str]
    name: str
    stale_days: int = 7
    agent: AgentLoop | None = None
    digest_admins: frozenset[str] = frozenset()  # who may remove anyone's digest (OPSBOT_APPROVERS)
    digest_may_ask: AskCheck | None = None  # the policy's requesters, for a digest that reads the ERP
    github_people: Mapping[str, str] = field(default_factory=dict)  # GitHub login → Slack user (the requester)


def build_triggers(rules: Rules, deps: TriggerDeps) -> Triggers:
    store = TriggerStore(deps.engine, deps.repo.secrets)
    threads = Threads(store=store, chat=deps.chat, clock=deps.clock)
    followups = Followups(
        runner=deps.runner, registry=deps.registry, planner=deps.planner, chat=deps.chat, agent=deps.agent,
        people=deps.github_people,
    )  # fmt: skip
    builder = DigestBuilder(
        registry=deps.registry, repo=deps.repo, store=store, clock=deps.clock, stale_days=deps.stale_days
    )
    prober = Prober(
        probes=rules.probes,
        threads=threads,
        followups=followups,
        session=deps.session,
        team_id=deps.team_id,
        name=deps.name,
    )
    scheduler = DigestScheduler(
        store=store, builder=builder, chat=deps.chat, clock=deps.clock, name=deps.name, prober=prober
    )
    return Triggers(
        github=GitHubReactions(rules=rules, threads=threads, followups=followups),
        alerts=AlertReactions(rules=rules, threads=threads, followups=followups),
        commands=DigestCommands(store=store, builder=builder, clock=deps.clock, admins=deps.digest_admins,
            may_ask=deps.digest_may_ask,
        ),
        followups=followups,
        scheduler=scheduler,
        store=store,
        chat=deps.chat,
        clock=deps.clock,
    )
