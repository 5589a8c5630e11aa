"""Slack user groups and channel members, cached briefly, for approval checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock

CACHE_TTL = timedelta(seconds=60)


class SlackDirectory:
    """Implements bot.ports.Directory with usergroups.* and conversations.* (cached for a minute)."""

    def __init__(self, client: AsyncWebClient, clock: Clock, ttl: timedelta = CACHE_TTL) -> None:
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[datetime, Any]] = {}

    async def group_members(self, group: str) -> frozenset[str]:
        group_id = await self._group_id(group)

        async def load() -> frozenset[str]:
            resp = await self.client.usergroups_users_list(usergroup=group_id)
            return frozenset(resp.get("users") or [])

        members: frozenset[str] = await self._cached(("group", group_id), load)
        return members

    async def channel_members(self, channel: str) -> frozenset[str]:
        async def load() -> frozenset[str]:
            users: set[str] = set()
            cursor = None
            for _page in range(50):
                resp = await self.client.conversations_members(channel=channel, cursor=cursor, limit=1000)
                users.update(resp.get("members") or [])
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            return frozenset(users)

        members: frozenset[str] = await self._cached(("channel", channel), load)
        return members

    async def channel_name(self, channel: str) -> str | None:
        async def load() -> str | None:
            resp = await self.client.conversations_info(channel=channel)
            name = (resp.get("channel") or {}).get("name")
            return str(name) if name else None

        name: str | None = await self._cached(("name", channel), load)
        return name

    async def _group_id(self, group: str) -> str:
        if group.startswith("S") and group.isupper():
            return group

        async def load() -> dict[str, str]:
            resp = await self.client.usergroups_list()
            return {str(g["handle"]): str(g["id"]) for g in resp.get("usergroups") or []}

        handles: dict[str, str] = await self._cached(("handles", ""), load)
        if group not in handles:
            raise LookupError(f"there is no user group @{group}")
        return handles[group]

    async def _cached(self, key: tuple[str, str], load: Any) -> Any:
        now = self.clock.now()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = await load()
        self._cache[key] = (now, value)
        return value
