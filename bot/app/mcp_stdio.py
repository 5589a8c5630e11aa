"""`opsbot mcp`: opsbot's tools over MCP on stdin/stdout, for a local client that starts it (Claude Code, Cursor).

It acts with the token `OPSBOT_MCP_TOKEN` names, against the same database and Slack workspace as `opsbot run`: a
risky call posts its approval card in Slack, the click reaches `opsbot run` (which runs the tool), and this process
reads the result from the database. It takes no other work: no inbox sweeps, no timers — it may stop at any time.
Logs go to stderr (stdout is the protocol's).
"""

from __future__ import annotations

import logging

from mcp.server.stdio import stdio_server

from bot.app.settings import Settings
from bot.app.wiring import build
from bot.core.errors import ConfigurationError
from bot.edges.mcp_server import build_server

log = logging.getLogger(__name__)

MISSING = (
    "opsbot mcp needs OPSBOT_MCP_TOKEN: create a token with `/ops mcp token create <name>` in a DM with opsbot "
    "(or `opsbot mcp token create`), and put it in the client's environment for this command"
)


async def serve_stdio(settings: Settings) -> int:
    secret = settings.opsbot_mcp_token.get_secret_value() if settings.opsbot_mcp_token is not None else ""
    if not secret:
        raise ConfigurationError(MISSING)
    bot = await build(settings)
    try:
        assert bot.mcp is not None
        token = await bot.mcp.tokens.by_secret(secret)
        if token is None:
            raise ConfigurationError("OPSBOT_MCP_TOKEN is unknown or revoked: create a new one (`/ops mcp tokens`)")
        resp = await bot.chat.client.auth_test()  # the workspace it posts cards to, as `opsbot run` knows it
        bot.auth.update(resp.data if isinstance(resp.data, dict) else {})
        server = build_server(bot.mcp.calls, lambda _ctx: token)
        log.info("mcp: serving on stdio as %s for %s", token.name, token.user_id)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
        return 0
    finally:
        await bot.close()
