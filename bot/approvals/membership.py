"""Who may decide on an approval: resolve approver specs (users, user groups, channel) through the directory."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.approval_rules import CHANNEL, GROUP_PREFIX
from bot.core.mrkdwn import mention, subteam
from bot.core.ports import Directory


class LookupFailed(Exception):
    """A membership lookup failed; the click is refused (fail closed)."""


class Membership:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    async def may_decide(self, user: str, specs: Sequence[str], channel: str | None) -> bool:
        """True when `user` matches one of the specs. Empty specs mean: a member of the channel."""
        for spec in specs or (CHANNEL,):
            if spec == user:
                return True
            try:
                if spec == CHANNEL and channel and user in await self.directory.channel_members(channel):
                    return True
                if spec.startswith(GROUP_PREFIX) and user in await self.directory.group_members(
                    spec[len(GROUP_PREFIX) :]
                ):
                    return True
            except Exception as exc:
                raise LookupFailed(f"{spec}: {type(exc).__name__}") from exc
        return False


def describe_specs(specs: Sequence[str]) -> str:
    """Approver specs in Slack words: <@U1>, <!subteam^S1>, @handle, anyone in this channel."""
    if not specs:
        return "anyone in this channel except the requester"
    parts = []
    for spec in specs:
        if spec == CHANNEL:
            parts.append("anyone in this channel")
        elif spec.startswith(GROUP_PREFIX):
            group = spec[len(GROUP_PREFIX) :]
            parts.append(subteam(group))
        else:
            parts.append(mention(spec))
    return ", ".join(parts)
