"""`opsbot mcp …`: MCP over stdio (`serve_stdio`), and an admin's MCP tokens — `token create` prints the secret once
on stdout (and stores only its hash), `tokens` lists the live ones (never a secret), `token revoke` ends one.

Every failure is one `opsbot: <what> — <what to do>` line (bot/app/cli.py prints it)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from bot.app.cli_commands import StartupError, database_failure, opened_database
from bot.app.settings import Settings
from bot.core.clock import SystemClock
from bot.core.errors import ConfigurationError, UserFacingError
from bot.core.mcp_tokens import CHANNEL, TEAM, USER, McpToken, NameTaken, checked_id, split_tools, unmatched
from bot.store.audit import AuditLog
from bot.store.mcp_token_rows import McpTokenStore

GUIDE = 'README, "Use opsbot from your agent"'
CREATED_BY = "cli"  # an admin at the command line, as the token's `created_by` and the audit rows' actor say
_DATABASE_ERRORS = (OSError, TimeoutError, DBAPIError)


async def serve_stdio(settings: Settings, args: argparse.Namespace) -> int:
    """`opsbot mcp` with no action: opsbot's tools to one MCP client over stdin/stdout (bot.app.mcp_stdio)."""
    from bot.app.mcp_stdio import serve_stdio as serve  # the whole app: only for this command

    return await serve(settings)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """`opsbot mcp tokens` and `opsbot mcp token create|revoke`; a refusal (a taken name, a bad id) is one line."""
    try:
        if args.mcp_action == "tokens":
            return await list_tokens(settings)
        if args.verb == "create":
            return await create_token(settings, args)
        return await revoke_token(settings, args)
    except NameTaken as exc:
        todo = f"revoke it first (`opsbot mcp token revoke {exc.name} --user {exc.user_id}`), or choose another --name"
        raise StartupError(_plain(exc.message), todo) from None
    except ConfigurationError:
        raise
    except UserFacingError as exc:
        raise StartupError(_plain(exc.message), _plain(exc.hint or "see `opsbot mcp token --help`")) from None


def _plain(text: str) -> str:
    """A sentence as the middle of one `opsbot: … — …` line: lowercase first, no full stop."""
    return (text[:1].lower() + text[1:]).rstrip(".")


async def create_token(settings: Settings, args: argparse.Namespace) -> int:
    user = checked_id(args.user, USER, "user")
    channel = checked_id(args.channel.lstrip("#"), CHANNEL, "channel") if args.channel else None
    tools = split_tools(args.tools or "")
    team = checked_id(args.team, TEAM, "workspace") if args.team else await _installation_team(settings)
    unknown = unmatched(tools, await _tool_names(settings))
    now = SystemClock().now()
    async with _opened(settings, create=True) as (store, audit):
        token, secret = await store.create(
            name=args.name, user_id=user, team_id=team, channel=channel, tools=tools, created_by=CREATED_BY, now=now
        )
        await audit.append(
            "mcp.token_created", at=now, actor=CREATED_BY, name=token.name, user=token.user_id, team=token.team_id,
            id=token.id, channel=token.channel, tools=list(token.tools), via="cli",
        )  # fmt: skip
    for pattern in unknown:
        print(f"opsbot: warning: no tool of this configuration matches {pattern!r}", file=sys.stderr)
    print(secret)  # alone on its line: `opsbot mcp token create … | head -1` hands it on
    print(
        f"opsbot: MCP token {token.name!r} for {user} created; it is shown only this once. The client sends it as "
        f"`Authorization: Bearer <the line above>` ({GUIDE})."
    )
    return 0


async def list_tokens(settings: Settings) -> int:
    async with _opened(settings) as (store, _audit):
        live = await store.all_live()
    rows: list[tuple[str, ...]] = [("USER", "NAME", "CHANNEL", "TOOLS", "CREATED", "BY", "LAST USED")]
    rows += [_row(token) for token in live]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(f"opsbot: {len(live)} live MCP token{'s' if len(live) != 1 else ''}")
    return 0


async def revoke_token(settings: Settings, args: argparse.Namespace) -> int:
    user = checked_id(args.user, USER, "user") if args.user else None
    now = SystemClock().now()
    async with _opened(settings) as (store, audit):
        token = await store.revoke(name=args.name, user_id=user, now=now)
        if token is not None:
            await audit.append(
                "mcp.token_revoked", at=now, actor=CREATED_BY, name=token.name, user=token.user_id,
                team=token.team_id, id=token.id, via="cli",
            )  # fmt: skip
    if token is None:
        whose = f" for {user}" if user else ""
        raise StartupError(f"no live MCP token named {args.name!r}{whose}", "`opsbot mcp tokens` lists them")
    print(f"opsbot: MCP token {token.name!r} of {token.user_id} revoked")
    return 0


def _row(token: McpToken) -> tuple[str, ...]:
    return (
        token.user_id, token.name, token.channel or "(their DM)", ",".join(token.tools) or "(every tool)",
        _at(token.created_at), token.created_by, _at(token.last_used_at) if token.last_used_at else "never",
    )  # fmt: skip


def _at(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


@asynccontextmanager
async def _opened(settings: Settings, *, create: bool = False) -> AsyncIterator[tuple[McpTokenStore, AuditLog]]:
    """The store and the audit log over a database at this opsbot's schema (SQLite: migrated first, as `opsbot run`
    does; PostgreSQL: `opsbot db upgrade` migrates it). Only `create` makes a SQLite file that is not there yet: a
    listing or a revocation in the wrong directory says so, and leaves no empty database behind."""
    async with opened_database(settings, migrate=True, create=create) as engine:
        secrets = settings.secret_values()
        store, audit = McpTokenStore(engine, secrets), AuditLog(engine, secrets)
        try:
            yield store, audit
        except _DATABASE_ERRORS as exc:
            raise database_failure(exc, engine.url) from exc
        finally:
            store.db.dispose()
            audit.db.dispose()


async def _installation_team(settings: Settings) -> str:
    """The workspace SLACK_BOT_TOKEN belongs to (`auth.test`), when no --team was given."""
    from integrations.slack import make_client

    if settings.slack_bot_token is None:
        raise StartupError(
            "no workspace for the token", "pass --team T…, or set SLACK_BOT_TOKEN so opsbot can ask Slack"
        )
    async with aiohttp.ClientSession() as session:
        client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url, session)
        try:
            answer = await client.auth_test()
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            why = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            raise StartupError(
                f"could not ask Slack which workspace SLACK_BOT_TOKEN is for ({why})",
                "pass --team T…, or fix SLACK_BOT_TOKEN and SLACK_API_URL (`opsbot check` says more)",
            ) from None
    team = answer.get("team_id")
    if not isinstance(team, str) or not TEAM.match(team):
        raise StartupError("Slack named no workspace for SLACK_BOT_TOKEN", "pass --team T…")
    return team


async def _tool_names(settings: Settings) -> list[str]:
    """This configuration's tools (nothing is called: they are only listed), as `/ops mcp token create` checks."""
    from bot.app.units import build_registry
    from bot.orchestration.runbooks.runbook_tools import run_runbook_tool
    from integrations.unit import ToolContext

    async def never(name: str, inputs: object) -> tuple[str, str]:
        raise AssertionError("only listed")

    async with aiohttp.ClientSession() as http:
        registry = build_registry(settings, ToolContext(http=http, clock=SystemClock()), [run_runbook_tool(never)])
    return registry.names()
