"""Our Slack Web API answers in the documented shapes: each method's ok body, the error envelope, the 429."""

from __future__ import annotations

import base64
import copy
import unicodedata
from collections.abc import Sequence

from bot.core.jsonvalue import Json, JsonObject

APP_ID = "A111"  # the app opsbot is installed as, in every payload the fakes build
RATELIMITED: JsonObject = {"ok": False, "error": "ratelimited"}


def error(code: str, *, messages: Sequence[str] | None = None, **fields: Json) -> JsonObject:
    """The envelope of a refused call: ``{"ok": false, "error": code}``, and what Slack adds for some codes.

    ``messages`` become ``response_metadata.messages`` (``invalid_arguments``, ``invalid_blocks`` explain
    themselves there, one ``[ERROR] ...`` line each); ``fields`` are top-level extras such as ``needed`` and
    ``provided`` for ``missing_scope``, or ``errors`` for ``invalid_blocks``.
    """
    body: JsonObject = {"ok": False, "error": code, **fields}
    if messages:
        body["response_metadata"] = {"messages": [*messages]}
    return body


def rate_limited(retry_after: int) -> tuple[int, dict[str, str], JsonObject]:
    """Slack's 429: status, the ``Retry-After`` header (seconds), and the ``ratelimited`` body."""
    return 429, {"Retry-After": str(retry_after)}, copy.deepcopy(RATELIMITED)


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, messages: Sequence[str] | None = None, **fields: Json) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages
        self.fields = fields

    def body(self) -> JsonObject:
        return error(self.error, messages=self.messages, **self.fields)


# -- ok answers, one per method ----------------------------------------------------------------------


def auth_test(*, team: str, team_id: str, user_id: str, bot_id: str, user: str = "opsbot") -> JsonObject:
    """``auth.test`` for a bot token: who the token is (the bot user) and where (the workspace)."""
    return {
        "ok": True,
        "url": f"https://{team_id.lower()}.slack.com/",
        "team": team,
        "user": user,
        "team_id": team_id,
        "user_id": user_id,
        "bot_id": bot_id,
        "is_enterprise_install": False,
    }


def bot_message(*, text: str, ts: str, user: str, bot_id: str, team: str, app_id: str = APP_ID) -> JsonObject:
    """A message the bot wrote, as Slack stores it (and echoes it in ``chat.postMessage``)."""
    return {
        "type": "message",
        "user": user,
        "bot_id": bot_id,
        "app_id": app_id,
        "text": text,
        "ts": ts,
        "team": team,
    }


def user_message(*, text: str, ts: str, user: str, team: str) -> JsonObject:
    return {"type": "message", "user": user, "text": text, "ts": ts, "team": team}


def posted(channel: str, message: JsonObject) -> JsonObject:
    """``chat.postMessage``: where it went, its ts, and the stored message echoed back."""
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}


def updated(channel: str, message: JsonObject) -> JsonObject:
    """``chat.update``: the same ts, the new text, and the edited message."""
    return {
        "ok": True,
        "channel": channel,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


def ephemeral_posted(message_ts: str) -> JsonObject:
    """``chat.postEphemeral``: only the ts (an ephemeral message cannot be fetched later)."""
    return {"ok": True, "message_ts": message_ts}


def done() -> JsonObject:
    """The answer of methods with nothing to return (``reactions.add``)."""
    return {"ok": True}


def reactions_of(channel: str, message: JsonObject) -> JsonObject:
    """``reactions.get``: the item (a message) with its ``reactions``."""
    return {"ok": True, "type": "message", "channel": channel, "message": copy.deepcopy(message)}


def messages_page(messages: Sequence[Json], *, next_cursor: str = "", **fields: Json) -> JsonObject:
    """A page of ``conversations.history`` / ``conversations.replies``: ``has_more`` and the next cursor agree."""
    return {
        "ok": True,
        "messages": copy.deepcopy([*messages]),
        "has_more": bool(next_cursor),
        **fields,
        "response_metadata": {"next_cursor": next_cursor},
    }


def members_page(members: Sequence[str], *, next_cursor: str = "") -> JsonObject:
    """A page of ``conversations.members`` (user ids)."""
    return {"ok": True, "members": [*members], "response_metadata": {"next_cursor": next_cursor}}


def normalized(name: str) -> str:
    """A profile name's ``*_normalized`` form: the name without what is not Latin (accents folded, the rest dropped)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def profile(*, real_name: str, display_name: str) -> JsonObject:
    """A user's ``profile``: the names as the person set them and as Slack normalizes them."""
    return {
        "real_name": real_name,
        "real_name_normalized": normalized(real_name),
        "display_name": display_name,
        "display_name_normalized": normalized(display_name),
    }


def member(
    user: str, *, team_id: str, name: str, real_name: str, display_name: str | None = None, is_bot: bool = False
) -> JsonObject:
    """A user object, as ``users.info`` and ``users.list`` carry it (``name`` is the handle, unique)."""
    return {
        "id": user,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "real_name": real_name,
        "is_admin": False,
        "is_owner": False,
        "is_bot": is_bot,
        "profile": profile(real_name=real_name, display_name=name if display_name is None else display_name),
    }


def user_info(
    user: str, *, team_id: str, name: str, real_name: str, is_bot: bool = False, **fields: Json
) -> JsonObject:
    """``users.info``: the user object, with its ``profile``."""
    body = member(user, team_id=team_id, name=name, real_name=real_name, is_bot=is_bot)
    return {"ok": True, "user": {**body, **fields}}


def users_page(members: Sequence[Json], *, next_cursor: str = "", cache_ts: int = 0) -> JsonObject:
    """A page of ``users.list``: the members (deleted ones included, as Slack lists them) and the next cursor."""
    return {
        "ok": True,
        "members": copy.deepcopy([*members]),
        "cache_ts": cache_ts,
        "response_metadata": {"next_cursor": next_cursor},
    }


def user_cursor(user: str) -> str:
    """Slack's cursor for a page of users that starts at ``user``: ``base64("user:U…")``."""
    return base64.b64encode(f"user:{user}".encode()).decode()


def cursor_user(cursor: str) -> str | None:
    """The user a ``user_cursor`` starts at; None for anything else (Slack answers ``invalid_cursor``)."""
    try:
        kind, _, user = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user if kind == "user" and user else None


def usergroup(group: str, *, team_id: str, handle: str, users: Sequence[str]) -> JsonObject:
    """One entry of ``usergroups.list``."""
    return {
        "id": group,
        "team_id": team_id,
        "handle": handle,
        "name": handle.title(),
        "user_count": len(users),
        "is_usergroup": True,
    }


def usergroups(groups: Sequence[Json]) -> JsonObject:
    return {"ok": True, "usergroups": copy.deepcopy([*groups])}


def usergroup_users(users: Sequence[str]) -> JsonObject:
    """``usergroups.users.list``."""
    return {"ok": True, "users": [*users]}


def channel_info(channel: str, *, name: str, is_member: bool = True) -> JsonObject:
    """``conversations.info`` for a public channel."""
    return {
        "ok": True,
        "channel": {"id": channel, "name": name, "is_channel": True, "is_private": False, "is_member": is_member},
    }


def view_object(
    view: JsonObject, *, view_id: str, team_id: str, bot_id: str, hash: str, app_id: str = APP_ID
) -> JsonObject:
    """A view as Slack answers it: what the app sent, plus the ids, hash and defaults Slack fills in."""
    full: JsonObject = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": hash,
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
    }
    full.update(copy.deepcopy(view))
    full.update(id=view_id, root_view_id=view_id, hash=hash, team_id=team_id, bot_id=bot_id, app_id=app_id)
    return full


def view_opened(
    view: JsonObject, *, view_id: str, team_id: str, bot_id: str, hash: str, app_id: str = APP_ID
) -> JsonObject:
    """``views.open`` / ``views.update``: ``{"ok": true, "view": ...}`` (the ids as in ``view_object``)."""
    full = view_object(view, view_id=view_id, team_id=team_id, bot_id=bot_id, hash=hash, app_id=app_id)
    return {"ok": True, "view": full}
