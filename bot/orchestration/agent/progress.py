"""The agent's status line in the thread, updated in place as tool calls run, wait and finish."""

from __future__ import annotations

import logging

from bot.core.clock import Clock
from bot.core.domain import RunRecord, StepRecord
from bot.core.errors import NotInChannel
from bot.core.jsonvalue import text
from bot.core.mrkdwn import escape
from bot.core.ports import Chat, Messages, Store
from bot.orchestration.thread_poster import ThreadPoster

log = logging.getLogger(__name__)

ICONS = {
    "pending": "⏳",
    "executing": "⏳",
    "waiting_approval": "⏸️",
    "approved": "⏳",
    "succeeded": "✅",
    "failed": "⚠️",
    "rejected": "❌",
    "unknown": "❔",
}
LABELS = {"waiting_approval": "waiting for approval", "failed": "failed", "rejected": "rejected", "unknown": "unknown"}


class Progress:
    def __init__(self, *, repo: Store, poster: ThreadPoster, chat: Chat, messages: Messages, clock: Clock) -> None:
        self.repo = repo
        self.poster = poster
        self.chat = chat
        self.messages = messages
        self.clock = clock

    async def begin(self, run: RunRecord) -> None:
        ts = await self.poster.post(run, "⏳ Working on it…", self.messages.status("⏳ Working on it…"))
        state = {**(run.state or {}), "status_ts": ts}
        await self.repo.save_turn(run.id, state, [], self.clock.now())

    async def update(self, run: RunRecord, *, headline: str = "⏳ Working on it…") -> None:
        fresh = await self.repo.run(run.id) or run
        ts = text((fresh.state or {}).get("status_ts"))
        if not ts or not fresh.channel:
            return
        lines = [_line(s) for s in await self.repo.steps_of(run.id)]
        try:
            await self.chat.update(fresh.channel, ts, headline, self.messages.status(headline, lines[-20:]))
        except NotInChannel:  # opsbot was removed from the channel: the run goes on, its messages go privately
            log.warning("run %s: its progress line was not updated (opsbot is not in %s)", run.id, fresh.channel)

    async def done(self, run: RunRecord, *, ok: bool) -> None:
        await self.update(run, headline="✅ Finished" if ok else "⚠️ Stopped")


def _line(step: StepRecord) -> str:
    args = ", ".join(f"{k}={v}" for k, v in step.args.items() if k in {"repo", "number", "pr", "run_id", "workflow"})
    label = LABELS.get(step.status, "")
    return f"{ICONS.get(step.status, '•')} `{escape(step.tool)}`({escape(args)}){f' — {label}' if label else ''}"
