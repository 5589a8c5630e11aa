"""After a request is rejected or expires: the tool's `declined` answer, for tools that must tell someone no.

A deployment gate holds a GitHub job until opsbot answers; "rejected in Slack" must reach GitHub as `rejected`, or
the job waits until GitHub's own timeout. The answer is sent once: only the replica whose decision moved the
approval out of `pending` calls it (that move succeeds once), and a failure is said in the thread and audited, never
retried blindly — GitHub refuses a second answer, and a lost one leaves the job held (the safe side).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core.clock import Clock
from bot.core.domain import ApprovalRecord
from bot.core.errors import ToolError
from bot.core.mrkdwn import escape
from bot.core.ports import Audit, Directory, Messages, Store
from bot.orchestration.runner import Runner

log = logging.getLogger(__name__)


class Declines:
    def __init__(
        self, *, repo: Store, audit: Audit, runner: Runner, messages: Messages, clock: Clock, directory: Directory
    ) -> None:
        self.repo, self.audit, self.runner, self.clock, self.directory = repo, audit, runner, clock, directory
        self.messages = messages

    async def rejected(self, approval: ApprovalRecord, user: str, reason: str | None) -> None:
        async def why() -> str:
            return f"Rejected in Slack by {await self._name(user)}" + (f": {reason}" if reason else ".")

        await self._tell(approval, why)

    async def expired(self, approval: ApprovalRecord) -> None:
        async def why() -> str:
            return "Not approved in Slack in time: the request expired, so opsbot rejects it."

        await self._tell(approval, why)

    async def _tell(self, approval: ApprovalRecord, why: Callable[[], Awaitable[str]]) -> None:
        """Only for a tool with a `declined` answer: anything else reads nothing more (not even a name)."""
        step = await self.repo.step(approval.step_id)
        run = await self.repo.run(approval.run_id)
        if step is None or run is None or step.tool not in self.runner.registry:
            return
        tool = self.runner.registry.get(step.tool)
        if tool.declined is None:
            return
        now = self.clock.now()
        try:
            result = await tool.declined(self.runner.registry.validate(step.tool, step.args), await why())
        except ToolError as exc:
            log.warning("the declined answer of %s (approval %s) failed: %s", step.tool, approval.id, exc.message)
            await self.audit.append(
                "approval.decline_failed", at=now, run_id=run.id, approval=approval.id, error=exc.message
            )
            said = f"I couldn't pass the refusal on: {exc.message}"
            await self.runner.post(run, said, list(self.messages.error(said, exc.hint)))
            return
        await self.audit.append("approval.declined_told", at=now, run_id=run.id, approval=approval.id, tool=step.tool)
        await self.runner.post(run, result.text, list(self.messages.result(step.tool, result)))

    async def _name(self, user: str) -> str:
        """A person's name for text outside Slack (GitHub shows it): never a bare id."""
        try:
            name = await self.directory.user_name(user)
        except Exception:  # a lookup that fails must not keep the answer from GitHub
            log.info("no name for %s: the refusal names nobody", user)
            name = None
        return escape(name) if name else "someone"
