"""The help card, per channel: its examples name the channel's default repository and an open PR there, so each
can be typed as it is (never "pr 42" in a repository that has no #42)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import OpsbotError
from bot.core.jsonvalue import JsonObject, items, obj
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.agent.agent_loop import AgentLoop
from bot.orchestration.planner.planner_base import Planner
from bot.slack_ui.block_kit import as_dicts
from bot.slack_ui.help_card import help_blocks

log = logging.getLogger(__name__)

LIST_TOOL = "list_pull_requests"
FRESH = timedelta(minutes=10)  # how long an example PR number is reused before GitHub is asked again
LOOKUP_TIMEOUT = 2.0  # seconds: a slow GitHub never holds up the help card (it shows a placeholder instead)


class HelpCards:
    def __init__(
        self,
        *,
        registry: ToolRegistry,
        planner: Planner,
        agent: AgentLoop | None,
        clock: Clock,
        repos: Mapping[str, str],
    ) -> None:
        self.registry, self.clock, self.repos = registry, clock, dict(repos)
        self.planner_name = planner.name if agent is None else f"AI agent ({agent.model.name}) for free text"
        self._numbers: dict[str, tuple[datetime, int | None]] = {}

    async def card(self, channel: str | None) -> list[JsonObject]:
        repo = self.repos.get(channel or "") or next(iter(self.repos.values()), None)
        number = await self._open_pr(repo) if repo else None
        return as_dicts(help_blocks(self.registry, self.planner_name, repo=repo, number=number))

    async def _open_pr(self, repo: str) -> int | None:
        """The newest open PR's number in `repo` (a read, as `list prs` makes); None when there is none or GitHub
        cannot say — the help card then shows a placeholder."""
        now = self.clock.now()
        hit = self._numbers.get(repo)
        if hit is not None and now - hit[0] < FRESH:
            return hit[1]
        number: int | None = None
        if LIST_TOOL in self.registry:
            try:
                args = self.registry.validate(LIST_TOOL, {"repo": repo})
                result = await asyncio.wait_for(self.registry.get(LIST_TOOL).run(args), LOOKUP_TIMEOUT)
                numbers = [obj(p).get("number") for p in items(result.data.get("pull_requests"))]
                number = next((n for n in numbers if isinstance(n, int)), None)
            except (OpsbotError, OSError, TimeoutError) as exc:
                log.info("help: no example PR from %s (%s)", repo, type(exc).__name__)
        self._numbers[repo] = (now, number)
        return number
