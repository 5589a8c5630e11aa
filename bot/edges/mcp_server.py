"""opsbot as an MCP server: the SDK's low-level `Server` over opsbot's calls, at `/mcp` on the app's own port
(streamable HTTP, stateless, so any replica answers any request) and over stdio (`opsbot mcp`).

The HTTP endpoint is off unless `OPSBOT_MCP=on`. Before the MCP layer sees a request: a browser's `Origin` must be
one of `OPSBOT_MCP_ALLOWED_ORIGINS` (403 otherwise; clients that are not browsers send none), and the bearer token
must be a live one (401 with `WWW-Authenticate` otherwise). The token found is handed to the tool handlers through
the ASGI scope's state; over stdio it is the one `OPSBOT_MCP_TOKEN` names.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

import mcp.types as types
from aiohttp import web
from mcp.server import Server, ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from bot.core.jsonvalue import JsonObject
from bot.core.mcp_tokens import McpToken
from bot.dispatch.mcp_calls import McpCalls
from bot.edges.asgi_bridge import State, asgi_handler

log = logging.getLogger(__name__)

PATH = "/mcp"
MAX_BODY = 1024 * 1024  # a tool call's arguments are small (bot.edges.web.MAX_BODY for Slack's requests)
TOKEN_KEY = "opsbot.mcp_token"  # noqa: S105 - where the ASGI state keeps the token found, not a secret
REQUEST_TOKEN = web.RequestKey("opsbot_mcp_token", McpToken)
INSTRUCTIONS = (
    "opsbot's tools. Reads answer at once. A write or dangerous tool waits for the people opsbot's approval "
    "policy names to approve it in Slack; the call answers with the tool's result once it ran, an error with the "
    "reason when it was rejected or expired, or a request_id to pass to get_request when the decision takes longer."
)

FindToken = Callable[[str], Awaitable[McpToken | None]]
Touch = Callable[[McpToken, datetime], Awaitable[None]]


def build_server(calls: McpCalls, token_of: Callable[[ServerRequestContext[Any]], McpToken | None]) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        token = token_of(ctx)
        if token is None:
            return types.ListToolsResult(tools=[])
        return types.ListToolsResult(
            tools=[
                types.Tool(name=s["name"], description=s["description"], input_schema=s["parameters"])
                for s in calls.tools(token)
            ]
        )

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        token = token_of(ctx)
        if token is None:
            return _result({"error": "Not authenticated."}, error=True)

        said = 0

        async def progress(message: str) -> None:
            nonlocal said
            said += 1  # progress only grows (the spec): the count of updates, with no total
            try:
                await ctx.session.report_progress(said, None, message)
            except Exception:  # the client went away: the request stays, get_request finds it
                log.info("mcp: could not send progress to %s", token.name)

        arguments = dict(params.arguments or {})
        try:
            answer = await calls.call(token, params.name, arguments, progress)
        except Exception:
            log.exception("mcp: %s failed for %s", params.name, token.name)
            return _result({"error": f"`{params.name}` failed unexpectedly."}, error=True)
        return _result(answer.data, error=answer.error)

    return Server(
        "opsbot", version="1", instructions=INSTRUCTIONS, on_list_tools=list_tools, on_call_tool=call_tool
    )


def _result(data: JsonObject, *, error: bool) -> types.CallToolResult:
    """Data, never prose of ours around outside text: the JSON as text (for any client) and as structured content."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=data, is_error=error
    )


def http_token(ctx: ServerRequestContext[Any]) -> McpToken | None:
    request = ctx.request
    state = getattr(request, "scope", {}).get("state", {}) if request is not None else {}
    token = state.get(TOKEN_KEY) if isinstance(state, dict) else None
    return token if isinstance(token, McpToken) else None


def _jsonrpc_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON-RPC error body: the SDK's client then says `message` instead of "Server returned an error"."""
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}
    return web.json_response(body, status=status, headers=headers)


def mount(
    app: web.Application,
    calls: McpCalls,
    *,
    find_token: FindToken,
    touch: Touch,
    now: Callable[[], datetime],
    allowed_origins: Collection[str] = (),
) -> None:
    """`POST /mcp` on `app` (other methods: 405), the session manager started and stopped with it."""
    manager = StreamableHTTPSessionManager(app=build_server(calls, http_token), stateless=True)

    async def lifespan(_: web.Application) -> AsyncIterator[None]:
        """The manager's task group lives in a task of its own: anyio wants it left in the task that entered it,
        and an app's start and cleanup may run in two different tasks."""
        started, stop = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with manager.run():
                started.set()
                await stop.wait()

        holder = asyncio.create_task(hold(), name="mcp-session-manager")
        await asyncio.wait({holder, asyncio.ensure_future(started.wait())}, return_when=asyncio.FIRST_COMPLETED)
        if holder.done():
            holder.result()  # it failed to start: say why
        try:
            yield
        finally:
            stop.set()
            await holder

    def state(request: web.Request) -> State:
        return {TOKEN_KEY: request.get(REQUEST_TOKEN)}

    bridged = asgi_handler(manager.handle_request, state, max_body=MAX_BODY)

    async def endpoint(request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin not in allowed_origins:
            log.warning("mcp: refused a request from origin %r", origin[:200])
            return _jsonrpc_error(403, "This origin may not call opsbot's MCP endpoint.")
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        token = await find_token(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
        if token is None:
            challenge = {"WWW-Authenticate": 'Bearer realm="opsbot"'}
            return _jsonrpc_error(401, "Unknown or revoked token: create one with /ops mcp token create.", challenge)
        if (request.content_length or 0) > MAX_BODY:  # the bridge streams the body: bound it here, as aiohttp would
            return _jsonrpc_error(413, f"A request to /mcp may be at most {MAX_BODY // 1024} KB.")
        await touch(token, now())
        request[REQUEST_TOKEN] = token
        return await bridged(request)

    app.cleanup_ctx.append(lifespan)
    app.router.add_post(PATH, endpoint)
