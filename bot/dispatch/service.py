"""Use cases: turn an accepted event into a reply, a run, a decision or a proposal."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core import delivery, reply_route
from bot.core.approval_rules import Asker
from bot.core.clock import Clock
from bot.core.delivery import Undeliverable
from bot.core.domain import Event, Source, StepStatus, ToolCall
from bot.core.errors import UserFacingError
from bot.core.installation import InstallationSource
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import unentity
from bot.core.ports import Chat
from bot.core.spans import span
from bot.core.tool_registry import ToolRegistry
from bot.core.transitions import IllegalTransition
from bot.dispatch.answer_routes import response_url, route_of
from bot.dispatch.click_routes import Actions
from bot.dispatch.help_cards import HelpCards
from bot.dispatch.installation_gate import InstallationGate
from bot.dispatch.mcp_token_commands import McpTokenCommands
from bot.dispatch.queries import Queries
from bot.dispatch.suggested import as_typed, is_suggestion, runbook_infos
from bot.orchestration.agent.agent_loop import AgentLoop
from bot.orchestration.planner.grammar import parse_key_values
from bot.orchestration.planner.planner_base import Plan, PlanContext, Planner
from bot.orchestration.runbooks.launcher import RunbookLauncher
from bot.orchestration.runner import Runner
from bot.slack_ui.block_kit import ActionId, as_dicts, error_blocks
from bot.slack_ui.runbook_report import list_blocks
from bot.store.audit import AuditLog
from bot.store.mcp_token_rows import McpTokenStore
from bot.store.repository import Repository
from bot.triggers.handler import Triggers

log = logging.getLogger(__name__)

REQUEST_SOURCES = {Source.SLACK_COMMAND, Source.SLACK_MENTION, Source.SLACK_DM}
TRIGGER_SOURCES = {Source.GITHUB, Source.ALERTMANAGER, Source.SCHEDULE}
TICKET_REACTIONS = {"ticket", "admission_tickets"}


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    channel_repos: dict[str, str] = field(default_factory=dict)
    bot_identity: Callable[[], tuple[str | None, str | None]] = lambda: (None, None)  # opsbot's user id and name
    deploy_workflow: str = "deploy.yml"
    user_name: Callable[[str], Awaitable[str | None]] | None = None  # a Slack person's name (the user directory)


class Service:
    def __init__(
        self,
        *,
        repo: Repository,
        audit: AuditLog,
        registry: ToolRegistry,
        planner: Planner,
        runner: Runner,
        actions: Actions,
        queries: Queries,
        runbooks: RunbookLauncher | None = None,
        triggers: Triggers | None = None,
        agent: AgentLoop | None = None,
        chat: Chat,
        clock: Clock,
        config: ServiceConfig,
        installation: InstallationSource | None = None,
        mcp_tokens: McpTokenStore | None = None,
    ) -> None:
        self.repo, self.audit, self.registry, self.planner, self.runner = repo, audit, registry, planner, runner
        self.actions, self.queries, self.runbooks = actions, queries, runbooks
        self.triggers, self.agent = triggers, agent
        self._runbooks = runbook_infos(runbooks.books.values()) if runbooks is not None else ()  # loaded once
        self.help = HelpCards(
            registry=registry, planner=planner, agent=agent, clock=clock, repos=config.channel_repos,
            may_read=self._may_read,
        )  # fmt: skip
        self.chat = chat
        self.clock = clock
        self.config = config
        self.gate = InstallationGate(installation, repo=repo, audit=audit, clock=clock)  # None: not checked
        self.mcp = (
            McpTokenCommands(
                store=mcp_tokens, audit=audit, chat=chat, clock=clock, tool_names=registry.names,
                installation=installation,
            )
            if mcp_tokens is not None
            else None
        )  # fmt: skip

    async def handle(self, inbox_id: int, event: Event, attempt: int = 1) -> None:
        """Entry point for the worker. Never raises for bad input: the person gets a clear reply instead."""
        if await self.gate.refused(inbox_id, event):  # another workspace or enterprise: nothing runs
            return
        with delivery.scope(event.dedupe_key), reply_route.answering(route_of(event)):  # keys: as after a crash
            try:
                await self._dispatch(inbox_id, event, attempt)
            except Undeliverable as exc:  # Slack's failure, not ours: an error reply would fail the same way
                what = f"{event.source.value} {event.type}"
                log.warning("handling %s: a message was not delivered (inbox %s): %s", what, inbox_id, exc.reason)
            except UserFacingError as exc:
                await self.reply_error(event, exc.message, exc.hint, exc.suggestions)
            except IllegalTransition as exc:  # a bug: nothing was written; the trail says what was asked
                log.error("handling %s %s asked for an %s (inbox %s)", event.source, event.type, exc, inbox_id)
                await self.audit.append(
                    "transition.illegal", at=self.clock.now(), actor=event.actor, what=exc.what, move=str(exc)
                )
                await self.reply_error(
                    event, f"Something went wrong on my side. Reference: inbox #{inbox_id}.", "Try again in a moment."
                )
            except Exception:
                log.exception("handling %s %s failed (inbox %s)", event.source, event.type, inbox_id)
                await self.reply_error(
                    event,
                    f"Something went wrong on my side. Reference: inbox #{inbox_id}.",
                    "Try again in a moment.",
                )

    async def _dispatch(self, inbox_id: int, event: Event, attempt: int) -> None:
        if event.source is Source.SLACK_ACTION and self.triggers is not None and self.triggers.owns(event):
            await self.triggers.on_click(inbox_id, event)
            return
        if event.source is Source.SLACK_ACTION and event.payload.get("action_id") == ActionId.SUGGESTION:
            await self._request(inbox_id, as_typed(event))  # as if the clicker had typed it: planned, authorized
            return
        if event.source is Source.SLACK_ACTION:
            await self.actions.on_click(event)
            return
        if event.source is Source.SLACK_VIEW:
            await self.actions.on_submit(event)
            return
        # No audit row for a help text or a typo: every run's first row (plan, agent.request, runbook.started)
        # records its trigger, so the trail is trigger → plan → approval → result without a write per message.
        existing = await self.repo.run_for_inbox(inbox_id) if attempt > 1 else None
        if existing is not None:
            # a retry after a crash: continue, never start over; a step its dead worker left executing is taken over
            await self.actions.recovery.take_up(existing.id)
            return
        if event.source in REQUEST_SOURCES:
            await self._request(inbox_id, event)
        elif event.source is Source.SLACK_REACTION:
            await self._reaction(inbox_id, event)
        elif event.source in TRIGGER_SOURCES and self.triggers is not None:
            await self.triggers.handle(inbox_id, event)

    async def _request(self, inbox_id: int, event: Event) -> None:
        try:
            with span("plan", {"opsbot.planner": self.planner.name}):
                plan = self.planner.plan(event.text, self._context(event))
        except UserFacingError:
            if self.agent is None:
                raise
            plan = Plan()  # not a command: free text for the agent
        # With an agent: mentions, DMs and free-text commands go to it; help, builtins and exact commands do not.
        free_text = (event.source is not Source.SLACK_COMMAND or not plan.calls) and not is_suggestion(event)
        if self.agent is not None and free_text and not (plan.help or plan.builtin):
            run_id = await self.agent.start(event, inbox_id=inbox_id, thread_ts=_thread_of(event))
            if run_id is not None:
                await self.runner.advance(run_id)
            return
        if plan.builtin == "pending":
            text, blocks = await self.queries.pending(user=event.actor, channel=event.channel)
            await self.reply(event, text, blocks)
            return
        if plan.builtin in ("runbooks", "run") and self.runbooks is not None:
            await self._runbook_command(inbox_id, event, plan)
            return
        if plan.builtin == "digest" and self.triggers is not None:
            repo = self.config.channel_repos.get(event.channel or "")
            await self.reply(event, *await self.triggers.digest_command(plan.query, event, repo))
            return
        if plan.builtin == "mcp":
            if self.mcp is None:
                raise UserFacingError("MCP tokens are not set up in this opsbot.")
            if (answer := await self.mcp.run(plan.query, event)) is not None:  # None: a new token's secret, shown
                await self.reply(event, *answer)
            return
        if plan.builtin == "audit":
            text, blocks = await self.queries.audit_trail(plan.query, user=event.actor, channel=event.channel)
            await self.reply(event, text, blocks)
            return
        if plan.help or not plan.calls:
            asker = Asker(user=event.actor, channel=event.channel, team_id=event.user_team_id)
            await self.reply(event, "Here is what I can do.", await self.help.card(event.channel, asker))
            return
        calls = [self._validated(call) for call in plan.calls]
        await self.runner.start(event, calls, inbox_id=inbox_id, thread_ts=_thread_of(event))

    async def _runbook_command(self, inbox_id: int, event: Event, plan: Plan) -> None:
        assert self.runbooks is not None
        if plan.builtin == "runbooks" or not plan.query:
            text, blocks = list_blocks(self.runbooks.books.values())
            await self.reply(event, text, blocks)
            return
        name, _, rest = plan.query.partition(" ")
        inputs = parse_key_values(rest)
        run_id = await self.runbooks.start(name, inputs, event=event, inbox_id=inbox_id, thread_ts=_thread_of(event))
        await self.runner.advance(run_id)

    async def _reaction(self, inbox_id: int, event: Event) -> None:
        if event.payload.get("reaction") not in TICKET_REACTIONS or not event.channel or not event.message_ts:
            return
        repo = self.config.channel_repos.get(event.channel)
        if repo is None:
            raise UserFacingError(
                "I can't create an issue from that message: this channel has no default repository.",
                hint="Set OPSBOT_CHANNEL_REPOS (e.g. C123=acme/api) to give it one.",
            )
        text = unentity(await self.chat.message_text(event.channel, event.message_ts) or "")  # as typed: `a < b`
        if not text:
            raise UserFacingError("I couldn't read that message, so I can't turn it into an issue.")
        title = " ".join(text.split())[:80] or "Issue from Slack"
        link = await self.chat.permalink(event.channel, event.message_ts)
        where = f"[a message in Slack]({link})" if link else "a message in Slack"
        who = await self._plain_name(event.actor) or "a person in the channel"
        body = f"{text}\n\n_From {where}, flagged with :{event.payload.get('reaction')}: by {who}._"
        call = self._validated(ToolCall(tool="create_issue", args={"repo": repo, "title": title, "body": body}))
        await self.runner.start(event, [call], inbox_id=inbox_id, thread_ts=event.message_ts)

    async def _plain_name(self, user: str) -> str | None:
        """The person's name as plain text for GitHub (no `@` that would mention someone there), or None."""
        try:
            name = await self.config.user_name(user) if self.config.user_name is not None else None
        except Exception:  # the directory is down: the issue still says where it came from
            log.warning("could not read the name of %s for an issue body", user)
            return None
        plain = " ".join(re.sub(r"[^\w .'-]", " ", name or "").split())[:80]
        return plain or None

    async def _may_read(self, tool: str, repo: str, asker: Asker) -> bool:
        """The requester check a read of `tool` in `repo` would meet (as Execution makes it), for the help card."""
        config = self.runner.config
        if config.askers is None or tool not in self.registry:
            return config.askers is None
        rules = await config.policy.rules_for(tool, {"repo": repo}, asker.channel)
        return await config.askers.ask_refusal(tool, rules, asker, risky=False) is None

    def _validated(self, call: ToolCall) -> ToolCall:
        model = self.registry.validate(call.tool, call.args)
        return ToolCall(tool=call.tool, args=model.model_dump(mode="json"))

    def _context(self, event: Event) -> PlanContext:
        bot_user_id, bot_name = self.config.bot_identity()
        return PlanContext(
            default_repo=self.config.channel_repos.get(event.channel or ""),
            tool_names=tuple(self.registry.names()),
            repo_tools=frozenset(t.name for t in self.registry if "repo" in t.args.model_fields),
            bot_user_id=bot_user_id,
            bot_name=bot_name,
            known_repos=tuple(dict.fromkeys(self.config.channel_repos.values())),
            runbooks=self._runbooks,
            deploy_workflow=self.config.deploy_workflow,
            builtins=frozenset(
                ["pending", "audit", *(["digest"] if self.triggers else []), *(["mcp"] if self.mcp else [])]
                + (["runbooks", "run"] if self.runbooks else [])
            ),
        )

    # -- replies -------------------------------------------------------------------------------------

    async def reply(self, event: Event, text: str, blocks: list[JsonObject]) -> None:
        """Answer in the event's thread; a slash command's, a click's and a form's replies go only to the person who
        sent it (a slash command's and a click's through its response_url, which works where opsbot is not). With no
        channel to answer in, the answer goes to the person as a direct message."""
        if not event.channel:
            log.info("no channel to answer %s in: replying to %s directly", event.type, event.actor)
            await self.chat.post(event.actor, text, blocks)
            return
        if event.source in (Source.SLACK_COMMAND, Source.SLACK_ACTION, Source.SLACK_VIEW):
            await self.chat.ephemeral(
                event.channel, event.actor, text, blocks, thread_ts=event.thread_ts, response_url=response_url(event)
            )
        else:
            await self.chat.post(event.channel, text, blocks, thread_ts=_thread_of(event))

    async def reply_error(
        self, event: Event, message: str, hint: str | None, suggestions: tuple[str, ...] = ()
    ) -> None:
        try:
            await self.reply(event, message, as_dicts(error_blocks(message, hint, suggestions)))
        except Exception:
            log.exception("could not tell the user about an error")

    async def recover(self) -> None:
        """After a restart: continue approved steps, and agent and runbook runs a crash left between turns
        (steps cut off mid-call become `unknown` through the timers' recovery)."""
        for step in await self.repo.steps_in([StepStatus.APPROVED]):
            await self.runner.advance(step.run_id)
        await self.runner.resume_stalled()


def _thread_of(event: Event) -> str | None:
    return event.thread_ts or event.message_ts
