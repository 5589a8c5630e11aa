"""One Slack thread per PR, commit, alert group or probe incident: find it, or start it with a card.

A thread has one key of its own (the one it was opened under); other keys can be aliases pointing at it. `alias`
never moves a key that exists (the first thread wins); `repoint` moves an alias key to another thread, for keys
that are only ever aliases (a GitHub head commit → the open PR of that head).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.clock import Clock
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Chat
from bot.core.trigger_records import ThreadData
from bot.store.triggers import TriggerStore

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Thread:
    key: str
    channel: str
    thread_ts: str | None
    card_ts: str | None
    data: ThreadData = field(default_factory=lambda: ThreadData())
    created: bool = False


class Threads:
    def __init__(self, *, store: TriggerStore, chat: Chat, clock: Clock) -> None:
        self.store = store
        self.chat = chat
        self.clock = clock

    async def find(self, keys: Sequence[str]) -> Thread | None:
        row = await self.store.first_thread(list(keys))
        if row is not None and (target := row.data.get("alias_of")):
            row = await self.store.thread(target) or row
        if row is None or row.thread_ts is None:
            return None
        return Thread(key=row.key, channel=row.channel, thread_ts=row.thread_ts, card_ts=row.card_ts, data=row.data)

    async def open(
        self,
        keys: Sequence[str],
        channel: str,
        text: str,
        blocks: Sequence[JsonObject],
        data: ThreadData,
        *,
        under: Thread | None = None,
    ) -> Thread:
        """The thread of the first known key; else post `blocks` as its card, under `keys[0]`, exactly once. With
        `under`, the card is a reply in that thread, which becomes this one's too (a deploy's gate, in the thread
        where the deploy was asked for)."""
        if under is not None:
            channel = under.channel
        if not keys:
            raise ValueError("a thread needs at least one key (a PR number, a commit, an alert group)")
        found = await self.find(keys)
        if found is not None:
            return found
        now = self.clock.now()
        if not await self.store.claim_thread(keys[0], channel, now, data):
            found = await self.find(keys)
            if found is not None:
                return found
            # Another replica is posting this card right now: say it here rather than lose it.
            ts = await self.chat.post(channel, text, blocks, thread_ts=under.thread_ts if under else None)
            return Thread(key=keys[0], channel=channel, thread_ts=under.thread_ts if under else ts, card_ts=None,
                          data=data)  # fmt: skip
        ts = await self.chat.post(channel, text, blocks, thread_ts=under.thread_ts if under else None)
        thread_ts = under.thread_ts if under is not None and under.thread_ts else ts
        await self.store.set_thread(keys[0], now, thread_ts=thread_ts, card_ts=ts)
        thread = Thread(key=keys[0], channel=channel, thread_ts=thread_ts, card_ts=ts, data=data, created=True)
        for alias in keys[1:]:
            await self.alias(alias, thread)
        return thread

    async def restart(
        self, key: str, channel: str, text: str, blocks: Sequence[JsonObject], data: ThreadData
    ) -> Thread:
        """A new incident under a known key (a probe that degrades again): a new card and thread."""
        now = self.clock.now()
        await self.store.claim_thread(key, channel, now, data)
        ts = await self.chat.post(channel, text, blocks)
        await self.store.set_thread(key, now, channel=channel, thread_ts=ts, card_ts=ts, data=data)
        return Thread(key=key, channel=channel, thread_ts=ts, card_ts=ts, data=data, created=True)

    async def alias(self, key: str, thread: Thread) -> None:
        """Point `key` at `thread`, unless `key` is known already (then nothing changes)."""
        await self.store.alias_thread(
            key, of=thread.key, channel=thread.channel, thread_ts=thread.thread_ts, now=self.clock.now()
        )

    async def repoint(self, key: str, thread: Thread) -> None:
        """Point the alias `key` at `thread`, wherever it pointed before; a key that is a thread of its own (not an
        alias) is left alone."""
        row = await self.store.thread(key)
        if row is None:
            await self.alias(key, thread)
        elif row.data.get("alias_of") not in (None, thread.key):
            data: ThreadData = {"alias_of": thread.key}
            await self.store.set_thread(
                key, self.clock.now(), channel=thread.channel, thread_ts=thread.thread_ts, data=data
            )

    async def permalink(self, thread: Thread) -> str | None:
        """A link to the thread's first message; None when Slack will not say."""
        return await self.chat.permalink(thread.channel, thread.thread_ts) if thread.thread_ts else None

    async def reply(self, thread: Thread, text: str, blocks: Sequence[JsonObject]) -> str:
        return await self.chat.post(thread.channel, text, blocks, thread_ts=thread.thread_ts)

    async def update(self, thread: Thread, ts: str | None, text: str, blocks: Sequence[JsonObject]) -> None:
        if ts:
            await self.chat.update(thread.channel, ts, text, blocks)

    async def save(self, thread: Thread) -> None:
        await self.store.set_thread(thread.key, self.clock.now(), data=thread.data)
