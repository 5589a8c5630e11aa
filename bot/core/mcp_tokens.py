"""An MCP client's credential: a bearer token bound to one Slack user (the person the agent acts for), with a name,
a default channel for its approval cards and an optional list of allowed tools (fnmatch patterns; none: every tool).

Only a hash of the secret is stored (SHA-256: the secret is 256 random bits, so a slow hash adds nothing); the
secret itself is shown once, to the person who created it, and never stored, logged or posted again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from bot.core.errors import UserFacingError

PREFIX = "opsbot_mcp_"  # recognisable in a leaked config file (and by secret scanners)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


@dataclass(frozen=True, kw_only=True)
class McpToken:
    id: str
    name: str  # the client's name, as cards and the audit log say it ("claude-laptop")
    user_id: str  # the Slack user the agent acts for: the requester under the policy
    team_id: str
    channel: str | None  # where its approval cards go (None: the user's DM with opsbot)
    tools: tuple[str, ...]  # allowed tool patterns; empty: every tool
    created_at: datetime
    created_by: str  # who created it (the user, or an admin through the CLI: "cli")
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def allows(self, tool: str) -> bool:
        return not self.tools or any(fnmatchcase(tool, pattern) for pattern in self.tools)


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- what a token may be made of (Slack, the CLI and the store check the same) ---------------------------------

TOOL_PATTERN = re.compile(r"^[a-z0-9_*?\[\]-]+$")  # a tool name, or an fnmatch pattern of tool names
USER = re.compile(r"^[UW][A-Z0-9]{1,20}$")
CHANNEL = re.compile(r"^[CGD][A-Z0-9]{1,20}$")  # where its cards go: a channel, or the DM with opsbot (D…)
TEAM = re.compile(r"^[TE][A-Z0-9]{1,20}$")
MAX_TOOLS = 20


class NameTaken(UserFacingError):
    """The user already has a live token of that name: names tell a person's clients apart."""

    def __init__(self, name: str, user_id: str) -> None:
        super().__init__(
            f"There is already an MCP token named `{name}` for {user_id}.",
            hint="Revoke that one first, or choose another name.",
        )
        self.name = name
        self.user_id = user_id


def checked_name(name: str) -> str:
    if not NAME.match(name):
        raise UserFacingError(
            f"`{_shown(name)}` can't be an MCP token's name.",
            hint="Use up to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit "
            "(e.g. `claude-laptop`).",
        )
    return name


def checked_tools(patterns: Iterable[str]) -> tuple[str, ...]:
    """The patterns, each once, in the order given; a bad one is refused (not dropped: a typo must not widen it)."""
    found = tuple(dict.fromkeys(p.strip() for p in patterns if p.strip()))
    bad = [p for p in found if not TOOL_PATTERN.match(p)]
    if bad:
        raise UserFacingError(
            f"`{_shown(bad[0])}` is not a tool name or pattern.",
            hint="Use lowercase tool names, `*` and `?` as wildcards, commas between them (e.g. `list_*,get_*`).",
        )
    if len(found) > MAX_TOOLS:
        raise UserFacingError(f"An MCP token takes at most {MAX_TOOLS} tool patterns.")
    return found


def split_tools(text: str) -> tuple[str, ...]:
    """`list_*, get_pull_request` → ("list_*", "get_pull_request"), checked."""
    return checked_tools(text.replace(",", " ").split())


def unmatched(patterns: Iterable[str], tool_names: Iterable[str]) -> tuple[str, ...]:
    """The patterns that match none of `tool_names` (a typo, or a tool this configuration does not have)."""
    names = tuple(tool_names)
    return tuple(p for p in patterns if not any(fnmatchcase(n, p) for n in names))


def checked_id(value: str, shape: re.Pattern[str], what: str) -> str:
    if not shape.match(value):
        raise UserFacingError(f"`{_shown(value)}` is not a Slack {what} id.")
    return value


def _shown(text: str) -> str:
    return text[:64].replace("`", "'")
