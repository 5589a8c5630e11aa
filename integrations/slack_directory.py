"""Slack user groups, channel members and the people of the workspace, cached briefly: approvals and `@handle`s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import Clock
from bot.core.jsonvalue import dig, items, text
from integrations.slack_people import People

CACHE_TTL = timedelta(seconds=60)
USERS_PAGE = 200  # users.list: Slack asks for at most 200 a page
MAX_PAGES = 100

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SlackDirectory:
    """Implements bot.core.ports.Directory with usergroups.*, conversations.* and users.list (cached for a minute)."""

    def __init__(self, client: AsyncWebClient, clock: Clock, ttl: timedelta = CACHE_TTL) -> None:
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self._members: dict[tuple[str, str], tuple[datetime, frozenset[str]]] = {}  # ("group" | "channel", id)
        self._names: dict[str, tuple[datetime, str | None]] = {}
        self._handles: dict[str, tuple[datetime, dict[str, str]]] = {}
        self._people: dict[str, tuple[datetime, People]] = {}

    async def group_members(self, group: str) -> frozenset[str]:
        group_id = await self._group_id(group)

        async def load() -> frozenset[str]:
            resp = await self.client.usergroups_users_list(usergroup=group_id)
            return frozenset(user for user in items(resp.get("users")) if isinstance(user, str))

        return await self._cached(self._members, ("group", group_id), load)

    async def channel_members(self, channel: str) -> frozenset[str]:
        async def load() -> frozenset[str]:
            users: set[str] = set()
            cursor = None
            for _page in range(50):
                resp = await self.client.conversations_members(channel=channel, cursor=cursor, limit=1000)
                users.update(user for user in items(resp.get("members")) if isinstance(user, str))
                cursor = text(dig(resp.get("response_metadata"), "next_cursor")) or None
                if not cursor:
                    break
            return frozenset(users)

        return await self._cached(self._members, ("channel", channel), load)

    async def channel_name(self, channel: str) -> str | None:
        async def load() -> str | None:
            resp = await self.client.conversations_info(channel=channel)
            return text(dig(resp.get("channel"), "name")) or None

        return await self._cached(self._names, channel, load)

    async def user_id(self, handle: str) -> str | None:
        return (await self._everyone()).find(handle)

    async def user_name(self, user: str) -> str | None:
        return (await self._everyone()).names.get(user)

    async def _everyone(self) -> People:
        async def load() -> People:
            members: list[object] = []
            cursor = None
            for _page in range(MAX_PAGES):
                resp = await self.client.users_list(cursor=cursor, limit=USERS_PAGE)
                members += items(resp.get("members"))
                cursor = text(dig(resp.get("response_metadata"), "next_cursor")) or None
                if not cursor:
                    break
            return People.of(members)

        return await self._cached(self._people, "", load)

    async def _group_id(self, group: str) -> str:
        if group.startswith("S") and group.isupper():
            return group

        async def load() -> dict[str, str]:
            resp = await self.client.usergroups_list()
            return {text(dig(g, "handle")): text(dig(g, "id")) for g in items(resp.get("usergroups"))}

        handles = await self._cached(self._handles, "", load)
        if group not in handles:
            raise LookupError(f"there is no user group @{group}")
        return handles[group]

    async def _cached(self, cache: dict[K, tuple[datetime, V]], key: K, load: Callable[[], Awaitable[V]]) -> V:
        now = self.clock.now()
        hit = cache.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = await load()
        cache[key] = (now, value)
        return value
