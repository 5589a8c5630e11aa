"""`/ops mcp token create|revoke` and `/ops mcp tokens`: a person's tokens for MCP clients (coding agents).

A token is made only in a DM with opsbot and bound to the person asking; its secret is shown to them once, through
`Chat.reveal` (never stored, never logged), and when Slack does not take that message the token is revoked at once.
Listing shows names, channels and tools, never a secret or its hash. Every create and revoke is audited."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import Clock
from bot.core.domain import Event
from bot.core.errors import UserFacingError
from bot.core.installation import InstallationSource
from bot.core.jsonvalue import JsonObject
from bot.core.mcp_tokens import McpToken, NameTaken, checked_name, split_tools, unmatched
from bot.core.mrkdwn import channel as channel_ref
from bot.core.mrkdwn import date
from bot.core.ports import SECRET_SLOT, Audit, Chat
from bot.slack_ui.block_kit import as_dicts, context, section
from bot.store.mcp_token_rows import McpTokenStore

USAGE = (
    "`/ops mcp token create <name> [in #channel] [tools <pattern>,…]` (in a DM with me), `/ops mcp tokens`, "
    "`/ops mcp token revoke <name>`"
)
DM_ONLY = "Create MCP tokens in a DM with opsbot: the token is shown once, to you only."
GUIDE = "Use opsbot from your agent"  # the README section that says where a client puts the token
CHANNEL_LINK = re.compile(r"^<#([CG][A-Z0-9]{1,20})(?:\|[^<>]*)?>$")  # as Slack writes a channel picked with #
CHANNEL_ID = re.compile(r"^#?([CG][A-Z0-9]{1,20})$")
LIST_WORDS = {("tokens",), ("token", "list"), ("tokens", "list"), ("token", "ls")}
REVOKE_WORDS = {"revoke", "delete", "remove", "rm"}


@dataclass(frozen=True, kw_only=True)
class TokenRequest:
    name: str
    channel: str | None
    tools: tuple[str, ...]


def parse_create(words: list[str]) -> TokenRequest:
    """`<name> [in <#C…>] [tools a,b]`, the two options in either order."""
    if not words:
        raise UserFacingError("An MCP token needs a name.", hint="Try `/ops mcp token create claude-laptop`.")
    name, rest = checked_name(words[0]), words[1:]
    channel: str | None = None
    tools: tuple[str, ...] = ()
    while rest:
        key = rest[0].lower()
        if key == "in" and len(rest) > 1 and channel is None:
            channel, rest = _channel(rest[1]), rest[2:]
        elif key == "tools" and len(rest) > 1 and not tools:
            taken = next((i for i, word in enumerate(rest[1:], 1) if word.lower() == "in"), len(rest))
            tools, rest = split_tools(" ".join(rest[1:taken])), rest[taken:]
        else:
            raise UserFacingError(f"I didn't understand `{rest[0]}` there.", hint=f"Try {USAGE}.")
    return TokenRequest(name=name, channel=channel, tools=tools)


def _channel(word: str) -> str:
    found = CHANNEL_LINK.match(word) or CHANNEL_ID.match(word)
    if found is None:
        raise UserFacingError(
            f"I can't tell which channel `{word}` is.",
            hint="Pick it with `#` in a message to me (not in `/ops`: Slack sends only its name there), or give its "
            "id, as the channel's details show it at the bottom of About: `in C0123ABCD`.",
        )
    return found.group(1)


class McpTokenCommands:
    def __init__(
        self,
        *,
        store: McpTokenStore,
        audit: Audit,
        chat: Chat,
        clock: Clock,
        tool_names: Callable[[], Iterable[str]],
        installation: InstallationSource | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.chat = chat
        self.clock = clock
        self.tool_names = tool_names  # the registry's: a pattern that matches none of them is pointed out
        self.installation = installation

    async def run(self, query: str, event: Event) -> tuple[str, list[JsonObject]] | None:
        """The answer to show, or None when it was shown already (a new token's secret, through `Chat.reveal`)."""
        words = query.split()
        verbs = tuple(w.lower() for w in words[:2])
        if verbs in ((), ("help",), ("token",), ("token", "help")):
            return usage()
        if verbs in LIST_WORDS:
            return _listing(await self.store.of_user(event.actor))
        if verbs == ("token", "create"):
            if not (event.channel or "").startswith("D"):  # before anything else: not even the name is looked at
                raise UserFacingError(DM_ONLY)
            await self._create(parse_create(words[2:]), event)
            return None
        if len(verbs) == 2 and verbs[0] == "token" and verbs[1] in REVOKE_WORDS and len(words) == 3:
            return await self._revoke(words[2], event)
        raise UserFacingError("I didn't understand that MCP command.", hint=f"Try {USAGE}.")

    async def _create(self, req: TokenRequest, event: Event) -> None:
        installation = self.installation() if self.installation is not None else None
        if installation is not None and installation.is_external(event.user_team_id):
            raise UserFacingError("MCP tokens are for people of this workspace.")
        now = self.clock.now()
        try:
            token, secret = await self.store.create(
                name=req.name, user_id=event.actor, team_id=event.team_id, tools=req.tools,
                channel=req.channel or event.channel,  # none named: this DM, where opsbot can post and update
                created_by=event.actor, now=now,
            )  # fmt: skip
        except NameTaken:
            raise UserFacingError(
                f"You already have an MCP token named `{req.name}`.",
                hint=f"Revoke it first (`/ops mcp token revoke {req.name}`), or choose another name.",
            ) from None
        await self._audit(
            "mcp.token_created", token, now, by=event.actor, channel=token.channel, tools=list(token.tools)
        )
        text, blocks = created(token, unmatched(token.tools, self.tool_names()))
        url = event.payload.get("response_url")
        assert event.channel is not None
        shown = False
        try:
            shown = await self.chat.reveal(
                event.channel, event.actor, text, blocks, secret=secret,
                response_url=url if isinstance(url, str) else None,
            )  # fmt: skip
        finally:
            if not shown:  # nobody saw it (Slack refused, or a bug): a token no one can have must not stay live
                await self._withdraw(token)
        if not shown:
            raise UserFacingError("I couldn't show you the new token, so I revoked it again.", hint="Try again.")

    async def _withdraw(self, token: McpToken) -> None:
        now = self.clock.now()
        if (gone := await self.store.revoke(name=token.name, user_id=token.user_id, now=now)) is not None:
            await self._audit("mcp.token_revoked", gone, now, by="opsbot", reason="its secret could not be shown")

    async def _revoke(self, name: str, event: Event) -> tuple[str, list[JsonObject]]:
        token = await self.store.revoke(name=name, user_id=event.actor, now=self.clock.now())
        if token is None:
            raise UserFacingError(
                f"You have no MCP token named `{name}`.",
                hint="`/ops mcp tokens` lists yours; only your own can be revoked here (an admin can revoke anyone's "
                "with `opsbot mcp token revoke`).",
            )
        assert token.revoked_at is not None
        await self._audit("mcp.token_revoked", token, token.revoked_at, by=event.actor)
        text = f"MCP token `{token.name}` revoked: a client still using it is refused from now on."
        return text, as_dicts([section(text)])

    async def _audit(self, kind: str, token: McpToken, at: datetime, *, by: str, **more: Any) -> None:
        """Who and which token, never its secret or hash (keys avoid the words `redact` masks, such as "token")."""
        await self.audit.append(
            kind, at=at, actor=by, name=token.name, user=token.user_id, team=token.team_id, id=token.id, via="slack",
            **more,
        )  # fmt: skip


def usage() -> tuple[str, list[JsonObject]]:
    text = "MCP tokens let a coding agent ask opsbot as you, through the same approvals."
    return text, as_dicts([section(text), section(f"Commands: {USAGE}."), context(f"README: *{GUIDE}*.")])


def created(token: McpToken, unknown: Iterable[str]) -> tuple[str, list[JsonObject]]:
    """The reply that carries the secret, once: `SECRET_SLOT` in a code block (never in `text`: notifications show
    it)."""
    text = f"MCP token `{token.name}` created: copy it from this message now, it is shown once."
    blocks = [
        section(f"*MCP token `{token.name}` created.* Copy it now: it is shown once, to you only; I keep only a hash."),
        section(f"```Authorization: Bearer {SECRET_SLOT}```"),
        context(
            f"Give your agent this header (README: *{GUIDE}*). It asks as you; {_cards(token)}; {_tools(token)}. "
            f"Lost it? `/ops mcp token revoke {token.name}`, then create another."
        ),
    ]
    if missing := ", ".join(f"`{p}`" for p in unknown):
        blocks.append(context(f"⚠️ No tool here matches {missing} (yet): check the spelling; `/ops help` lists them."))
    return text, as_dicts(blocks)


def _listing(tokens: list[McpToken]) -> tuple[str, list[JsonObject]]:
    if not tokens:
        text = "You have no MCP tokens."
        return text, as_dicts([section(text), context(f"Create one in a DM with me: {USAGE}.")])
    text = f"Your MCP tokens ({len(tokens)}):"
    lines = [
        f"• `{t.name}` — {_cards(t)}; {_tools(t)}; created {_when(t.created_at)}; "
        f"last used {_when(t.last_used_at) if t.last_used_at else 'never'}"
        for t in tokens
    ]
    return text, as_dicts(
        [section(text), section("\n".join(lines)), context("Revoke one: `/ops mcp token revoke <name>`.")]
    )


def _cards(token: McpToken) -> str:
    if not token.channel or token.channel.startswith("D"):
        return "approval cards in our DM"
    return f"approval cards in {channel_ref(token.channel)}"


def _tools(token: McpToken) -> str:
    return "tools: " + ", ".join(f"`{p}`" for p in token.tools) if token.tools else "every tool"


def _when(at: datetime) -> str:
    return date(int(at.timestamp()), "{date_short_pretty} {time}", f"{at:%Y-%m-%d %H:%M} UTC")
