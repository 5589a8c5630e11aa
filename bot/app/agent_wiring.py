"""The AI agent's part of the composition root (bot.app.wiring): built only when a model is configured."""

from __future__ import annotations

from bot.app.settings import Settings
from bot.core.clock import Clock
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.agent.agent_loop import AgentLoop
from bot.orchestration.agent.conversation import Limits
from bot.orchestration.thread_poster import ThreadPoster
from bot.slack_ui.slack_messages import SlackMessages
from bot.store.audit import AuditLog
from bot.store.repository import Repository
from integrations.openai_unit import OPENAI
from integrations.slack import SlackChat


def build_agent(
    settings: Settings,
    *,
    repo: Repository,
    audit: AuditLog,
    registry: ToolRegistry,
    poster: ThreadPoster,
    chat: SlackChat,
    clock: Clock,
) -> AgentLoop | None:
    """The AI agent, when a model is configured (OPENAI_API_KEY)."""
    model = OPENAI.model(OPENAI.of(settings))
    if model is None:
        return None
    return AgentLoop(
        repo=repo,
        audit=audit,
        registry=registry,
        poster=poster,
        chat=chat,
        messages=SlackMessages(),
        clock=clock,
        model=model,
        limits=Limits(
            max_turns=settings.opsbot_agent_max_turns,
            max_tokens=settings.opsbot_agent_max_tokens,
            per_user_per_hour=settings.opsbot_agent_requests_per_hour,
        ),
        secrets=settings.secret_values(),
        refuse_double_texts_in=frozenset(
            c.strip() for c in settings.opsbot_refuse_double_texts_in.split(",") if c.strip()
        ),
    )
