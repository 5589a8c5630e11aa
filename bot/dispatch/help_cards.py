"""The help card, per channel: its examples name the channel's default repository and an open PR there, so each
can be typed as it is (never "pr 42" in a repository that has no #42).

Help answers at once even while GitHub hangs (issue 16): the PR number is looked up in the background and waited
for only briefly; until it is known the card shows a placeholder, and later cards use it."""

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
LOOKUP_WAIT = 0.05  # seconds a help card waits for the lookup; a slow GitHub never holds it up
LOOKUP_TIMEOUT = 30.0  # seconds the background lookup may take before it is given up


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
        self._lookups: dict[str, asyncio.Task[int | None]] = {}

    async def card(self, channel: str | None) -> list[JsonObject]:
        repo = self.repos.get(channel or "") or next(iter(self.repos.values()), None)
        number = await self._open_pr(repo) if repo else None
        return as_dicts(help_blocks(self.registry, self.planner_name, repo=repo, number=number))

    async def _open_pr(self, repo: str) -> int | None:
        """The newest open PR's number in `repo` (a read, as `list prs` makes), looked up at most every
        `FRESH`; the last one known (or None) when the lookup is not back within `LOOKUP_WAIT`."""
        now = self.clock.now()
        hit = self._numbers.get(repo)
        if hit is not None and now - hit[0] < FRESH:
            return hit[1]
        task = self._lookups.get(repo)
        if task is None or task.done():
            task = asyncio.create_task(self._lookup(repo, now), name=f"help-example:{repo}")
            self._lookups[repo] = task
        done, _ = await asyncio.wait({task}, timeout=LOOKUP_WAIT)
        if task in done:
            return task.result()
        return hit[1] if hit is not None else None

    async def settled(self) -> None:
        """Every lookup started so far has finished (for tests and shutdown)."""
        await asyncio.gather(*self._lookups.values(), return_exceptions=True)

    async def _lookup(self, repo: str, now: datetime) -> int | None:
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
