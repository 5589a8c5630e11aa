"""What a run asked for over MCP keeps of its client (in `RunRecord.state`): the client's name, for its approval
card ("requested by *claude-laptop* on behalf of @ana"), and its token's id, for `get_request` and the limits."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.jsonvalue import JsonObject, obj, optional_text


def mcp_state(client: str, token_id: str) -> JsonObject:
    return {"mcp": {"client": client, "token": token_id}}


def mcp_client(state: Mapping[str, object] | None) -> str | None:
    return optional_text(obj((state or {}).get("mcp")).get("client"))


def mcp_token_of(state: Mapping[str, object] | None) -> str | None:
    return optional_text(obj((state or {}).get("mcp")).get("token"))
