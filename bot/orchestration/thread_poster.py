"""Posting in a run's thread: the first message of a run without a thread starts one, and the run remembers it."""

from __future__ import annotations

from bot.core.domain import RunRecord
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Chat, Store


class ThreadPoster:
    def __init__(self, *, store: Store, chat: Chat) -> None:
        self.store = store
        self.chat = chat

    async def post(self, run: RunRecord, text: str, blocks: list[JsonObject]) -> str:
        """Post in the run's thread, starting the thread with this message when there is none yet."""
        if run.channel is None:
            return ""
        thread = run.thread_ts
        if thread is None:  # the record may predate an earlier post of this run that started the thread
            stored = await self.store.run(run.id)
            thread = stored.thread_ts if stored is not None else None
        ts = await self.chat.post(run.channel, text, blocks, thread_ts=thread)
        if thread is None:
            await self.store.set_run_thread(run.id, ts)
        return ts
