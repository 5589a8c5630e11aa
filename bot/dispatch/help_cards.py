"""The help card, per channel: its examples name the channel's default repository and, for each, something there
it can act on, so each can be typed as it is (never "pr 42" in a repository that has no #42, nor a merge of a PR
with conflicts): the newest open PR to show or comment on, an open one GitHub can merge with its checks not failing,
one whose head commit has a failed workflow run to rerun, an open issue to close.

Help answers at once even while GitHub hangs (issue 16): those are looked up in the background and waited for only
briefly; until they are known the card shows placeholders, and later cards use them. The lookup is one list of the
open PRs (one GraphQL query with their checks and mergeability), the failed runs and the open issues side by side,
then, only where the list has no mergeability yet, the detail of a PR to merge; each only when a tool whose example
needs it is there. A person sees only numbers they may read themselves (the policy's `requesters:`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.approval_rules import Asker
from bot.core.clock import Clock
from bot.core.errors import OpsbotError
from bot.core.jsonvalue import JsonObject, number, objects
from bot.core.tool_registry import ToolRegistry
from bot.orchestration.agent.agent_loop import AgentLoop
from bot.orchestration.planner.planner_base import Planner
from bot.slack_ui.block_kit import as_dicts
from bot.slack_ui.help_card import ExampleTargets, help_blocks

log = logging.getLogger(__name__)

LIST_TOOL = "list_pull_requests"
FRESH = timedelta(minutes=10)  # how long the examples' targets are reused before GitHub is asked again
LOOKUP_WAIT = 0.05  # seconds a help card waits for the lookup; a slow GitHub never holds it up
LOOKUP_TIMEOUT = 30.0  # seconds the whole background lookup may take before it is given up
MERGE_TRIES = 3  # open PRs whose detail is read, at most, to find one GitHub can merge


MayRead = Callable[[str, str, Asker], Awaitable[bool]]  # (read tool, repository, who asks): the requester check


async def anyone(tool: str, repo: str, asker: Asker) -> bool:
    return True


class HelpCards:
    def __init__(
        self,
        *,
        registry: ToolRegistry,
        planner: Planner,
        agent: AgentLoop | None,
        clock: Clock,
        repos: Mapping[str, str],
        may_read: MayRead = anyone,
    ) -> None:
        self.registry, self.clock, self.repos, self.may_read = registry, clock, dict(repos), may_read
        self.planner_name = planner.name if agent is None else f"AI agent ({agent.model.name}) for free text"
        self._found: dict[str, tuple[datetime, ExampleTargets]] = {}
        self._lookups: dict[str, asyncio.Task[ExampleTargets]] = {}

    async def card(self, channel: str | None, asker: Asker | None = None) -> list[JsonObject]:
        repo = self.repos.get(channel or "") or next(iter(self.repos.values()), None)
        targets = await self._targets(repo) if repo else ExampleTargets()
        if repo and asker is not None:
            targets = await self._readable(targets, repo, asker)
        return as_dicts(help_blocks(self.registry, self.planner_name, repo=repo, targets=targets))

    async def _readable(self, targets: ExampleTargets, repo: str, asker: Asker) -> ExampleTargets:
        """Only what the person may read themselves (the policy's `requesters:`): numbers they could not list are
        placeholders on their card (the lookup is opsbot's own, shared by everyone in the channel)."""
        if not await self.may_read(LIST_TOOL, repo, asker):
            targets = replace(targets, pr=None, mergeable=None, rerunnable=None)
        if not await self.may_read("list_failed_workflow_runs", repo, asker):
            targets = replace(targets, rerunnable=None, failed_run=None)
        if not await self.may_read("list_issues", repo, asker):
            targets = replace(targets, issue=None)
        return targets

    async def _targets(self, repo: str) -> ExampleTargets:
        """What the examples can act on in `repo`, looked up at most every `FRESH`; the last known (or nothing)
        when the lookup is not back within `LOOKUP_WAIT`."""
        now = self.clock.now()
        hit = self._found.get(repo)
        if hit is not None and now - hit[0] < FRESH:
            return hit[1]
        task = self._lookups.get(repo)
        if task is None or task.done():
            task = asyncio.create_task(self._lookup(repo, now), name=f"help-example:{repo}")
            self._lookups[repo] = task
        done, _ = await asyncio.wait({task}, timeout=LOOKUP_WAIT)
        if task in done:
            return task.result()
        return hit[1] if hit is not None else ExampleTargets()

    def warm(self) -> None:
        """Look the examples up for every channel's repository in the background (at start-up), so that the first
        `/ops help` already names real PRs and issues instead of placeholders."""
        now = self.clock.now()
        for repo in dict.fromkeys(self.repos.values()):
            if repo not in self._lookups:
                self._lookups[repo] = asyncio.create_task(self._lookup(repo, now), name=f"help-example:{repo}")

    async def settled(self) -> None:
        """Every lookup started so far has finished (for tests and shutdown)."""
        await asyncio.gather(*self._lookups.values(), return_exceptions=True)

    async def _lookup(self, repo: str, now: datetime) -> ExampleTargets:
        try:
            targets = await asyncio.wait_for(self._look_up(repo), LOOKUP_TIMEOUT)
        except TimeoutError:
            log.info("help: no examples from %s in %ss", repo, LOOKUP_TIMEOUT)
            targets = ExampleTargets()
        self._found[repo] = (now, targets)
        return targets

    async def _look_up(self, repo: str) -> ExampleTargets:
        pulls_data, runs_data, issues_data = await asyncio.gather(
            self._read(LIST_TOOL, {"repo": repo}),
            self._read("list_failed_workflow_runs", {"repo": repo, "limit": 100}, needed="rerun_failed_jobs"),
            self._read("list_issues", {"repo": repo, "state": "open", "limit": 1}, needed="close_issue"),
        )
        pulls = [p for p in objects(pulls_data.get("pull_requests")) if number(p.get("number")) is not None]
        runs = objects(runs_data.get("runs"))
        failed = {r.get("sha") for r in runs}  # as the digest's Rerun buttons: a failed run for the PR's head commit
        newest = number(pulls[0].get("number")) if pulls else None
        return ExampleTargets(
            pr=newest,
            mergeable=await self._mergeable(repo, pulls),  # none fits: a placeholder, never one GitHub would refuse
            rerunnable=next((number(p.get("number")) for p in pulls if p.get("head_sha") in failed), None),
            failed_run=next((n for n in (number(r.get("id")) for r in runs) if n is not None), None),
            issue=next((number(i.get("number")) for i in objects(issues_data.get("issues"))), None),
        )

    async def _mergeable(self, repo: str, pulls: list[dict[str, object]]) -> int | None:
        """An open PR whose merge would get past the approval card's preflight: not a draft, its checks not failing
        (passing ones first), and GitHub not saying it conflicts — as the list says, or, where GitHub had not
        computed it yet, as its detail says (newest first)."""
        if "merge_pull_request" not in self.registry:
            return None
        ready = [p for p in pulls if not p.get("draft") and p.get("checks") != "failing"]
        ready = [p for p in ready if p.get("mergeable") is not False]
        ready.sort(key=lambda p: p.get("checks") != "passing")  # stable: newest first within each
        known = next((p for p in ready if p.get("mergeable") is True), None)  # the list says so: no detail read
        if known is not None:
            return number(known.get("number"))
        for pull in ready[:MERGE_TRIES]:  # not computed yet in the list
            detail = await self._read("get_pull_request", {"repo": repo, "number": number(pull.get("number"))})
            mergeable = detail.get("state") == "open" and not detail.get("merged")
            if mergeable and detail.get("mergeable") is not False and detail.get("mergeable_state") != "dirty":
                return number(pull.get("number"))
        return None

    async def _read(self, tool: str, args: JsonObject, *, needed: str | None = None) -> JsonObject:
        """`tool`'s data (a read), or nothing when `tool` (or the tool that `needed` it) is not there or fails."""
        if tool not in self.registry or (needed is not None and needed not in self.registry):
            return {}
        try:
            return (await self.registry.get(tool).run(self.registry.validate(tool, args))).data
        except (OpsbotError, OSError, TimeoutError) as exc:
            log.info("help: no example from %s in %s (%s)", tool, args.get("repo"), type(exc).__name__)
            return {}
