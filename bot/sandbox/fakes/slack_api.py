"""A loopback fake Slack Web API that answers with recorded response shapes and records every call."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Self

from aiohttp import web

__all__ = ["FIXTURES", "Call", "FakeSlackApi", "JsonDict", "SlackError", "template"]

JsonDict = dict[str, Any]
FIXTURES = Path(__file__).resolve().parents[1] / "recorded" / "slack" / "web_api"
_JSON_PARAMS = ("blocks", "attachments", "view", "metadata")
_ERROR_TEMPLATES = {
    "invalid_auth": "auth_test_invalid_auth",
    "channel_not_found": "conversations_history_channel_not_found",
    "cant_update_message": "chat_update_error_cant_update_message",
    "user_not_in_channel": "chat_postEphemeral_error_user_not_in_channel",
    "already_reacted": "reactions_add_error_already_reacted",
    "invalid_arguments": "views_open_error_invalid_arguments",
    "too_many_attachments": "chat_postMessage_error_too_many_attachments",
}


@cache
def _fixture(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text()


def template(name: str) -> JsonDict:
    """A fresh copy of a recorded response body, e.g. ``template("chat_postMessage_ok")``."""
    loaded: JsonDict = json.loads(_fixture(name))
    return loaded


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error

    def body(self) -> JsonDict:
        name = _ERROR_TEMPLATES.get(self.error)
        return template(name) if name else {"ok": False, "error": self.error}


@dataclass(frozen=True, kw_only=True)
class Call:
    """One request the fake answered: its decoded params (token removed) and the reply it got."""

    method: str
    params: JsonDict
    time: float
    status: int = 200
    response: JsonDict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True


@dataclass(kw_only=True)
class _Fault:
    status: int
    retry_after: int
    error: str | None
    times: int


class FakeSlackApi:
    """The fake server; use as ``async with FakeSlackApi(token) as slack:`` and pass ``slack.url``."""

    def __init__(
        self,
        token: str = "xoxb-test-token",  # noqa: S107 - a placeholder the fake compares against
        *,
        bot_user_id: str = "W111",
        bot_id: str = "B111",
        team_id: str = "T111",
        team: str = "opsbot test workspace",
        epoch: int | None = None,
    ) -> None:
        self.token, self.bot_user_id, self.bot_id = token, bot_user_id, bot_id
        self.team_id, self.team = team_id, team
        self.app_tokens: set[str] = set()  # app-level tokens (xapp-…) accepted by apps.connections.open
        self.calls: list[Call] = []
        self.views: dict[str, JsonDict] = {}
        self._epoch = int(time.time()) if epoch is None else epoch
        self._seq = 0
        self._history: defaultdict[str, list[JsonDict]] = defaultdict(list)
        self._ephemeral: defaultdict[str, list[JsonDict]] = defaultdict(list)
        self._members: dict[str, list[str]] = {}
        self._groups: dict[str, list[str]] = {}
        self._handles: dict[str, str] = {}
        self._channel_names: dict[str, str] = {}
        self._users: dict[str, JsonDict] = {}
        self._faults: defaultdict[str, list[_Fault]] = defaultdict(list)
        self._latency: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._listeners: list[Callable[[Call], None]] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "reactions.add": self._reactions_add,
            "reactions.get": self._reactions_get,
            "conversations.replies": self._replies,
            "conversations.history": self._history_page,
            "conversations.members": self._conversation_members,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
            "usergroups.list": self._usergroups_list,
            "conversations.info": self._conversation_info,
            "views.open": self._views_open,
            "views.update": self._views_update,
        }

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/hooks/{path:.*}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The Web API base URL, for ``AsyncWebClient(base_url=...)`` or ``SLACK_API_URL``."""
        return f"http://127.0.0.1:{self._port}/api/"

    @property
    def hooks_url(self) -> str:
        """A base for ``response_url``s; posts to it are recorded as method ``response_url``."""
        return f"http://127.0.0.1:{self._port}/hooks"

    # -- test set-up -------------------------------------------------------------------------------

    def add_message(self, channel: str, text: str, user: str = "U1", *, thread_ts: str | None = None) -> str:
        """Seed a message written by ``user``; returns its ts."""
        message = {"type": "message", "user": user, "text": text, "ts": self._next_ts(), "team": self.team_id}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._history[channel].append(message)
        return message["ts"]

    def add_ephemeral(self, channel: str, user: str, text: str, *, author: str | None = None) -> str:
        """Seed a message only ``user`` sees (written by ``author``, the bot by default); returns its ts."""
        message = {"channel": channel, **self._bot_message({"text": text}, self._next_ts())}
        if author is not None:
            message.pop("bot_id")
            message["user"] = author
        self._ephemeral[user].append(message)
        return str(message["ts"])

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """Record ``user``'s reaction on a stored message (what Slack does before sending ``reaction_added``)."""
        reactions: list[JsonDict] = self._find(channel, ts).setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if user not in reaction["users"]:
            reaction["users"].append(user)
            reaction["count"] += 1

    def subscribe(self, listener: Callable[[Call], None]) -> Callable[[], None]:
        """Call ``listener`` after every answered call; returns the function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def set_members(self, channel: str, users: list[str]) -> None:
        self._members[channel] = list(users)

    def set_usergroup(self, usergroup: str, users: list[str], *, handle: str | None = None) -> None:
        self._groups[usergroup] = list(users)
        self._handles[usergroup] = handle or usergroup.lower()

    def set_channel_name(self, channel: str, name: str) -> None:
        self._channel_names[channel] = name

    def set_user(self, user: str, **fields: Any) -> None:
        """Override fields of the ``users.info`` answer for ``user`` (e.g. ``is_admin=True``)."""
        self._users[user] = {**self._users.get(user, {}), **fields}

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls with a 429 (recorded shape), a 5xx, or ``ok: false, error``."""
        self._faults[method].append(_Fault(status=status, retry_after=retry_after, error=error, times=times))

    def set_latency(self, method: str, seconds: float) -> None:
        self._latency[method] = seconds

    # -- inspection --------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str) -> list[JsonDict]:
        """Every message in ``channel``, thread replies included, oldest first."""
        return copy.deepcopy(self._history.get(channel, []))

    def thread(self, channel: str, ts: str) -> list[JsonDict]:
        """The parent message and its replies, oldest first."""
        return [m for m in self.messages(channel) if ts in (m["ts"], m.get("thread_ts"))]

    def ephemerals(self, user: str) -> list[JsonDict]:
        """Ephemeral messages shown to ``user`` (each with its channel), oldest first."""
        return copy.deepcopy(self._ephemeral.get(user, []))

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - tests give a deadline per wait
    ) -> list[Call]:
        """Wait until ``count`` matching calls were answered; returns all matching calls so far."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            seen = "\n".join(f"  {c.method} {c.status} {c.params} -> {c.response}" for c in self.calls)
            raise AssertionError(
                f"expected {count} matching {method} call(s) within {timeout}s, got {len(matching())}; "
                f"calls seen:\n{seen or '  (none)'}"
            ) from None
        return matching()

    # -- HTTP --------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        received = time.time()
        method = request.match_info["method"]
        params = await _decode_params(request)
        token = _bearer(request) or params.pop("token", None)
        if method in self._latency:
            await asyncio.sleep(self._latency[method])  # sleep-ok: latency injection
        status, headers, body = self._answer(method, params, token)
        await self._record(Call(method=method, params=params, time=received, status=status, response=body))
        return web.json_response(body, status=status, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        params = await _decode_params(request)
        params["path"] = request.match_info["path"]
        await self._record(Call(method="response_url", params=params, time=time.time(), response={"ok": True}))
        return web.Response(text="ok")

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        for listener in list(self._listeners):
            listener(call)

    def _answer(self, method: str, params: JsonDict, token: str | None) -> tuple[int, dict[str, str], JsonDict]:
        app_level = method == "apps.connections.open" and token is not None and token in self.app_tokens
        if token != self.token and not app_level:
            return 200, {}, SlackError("invalid_auth").body()
        fault = self._take_fault(method)
        if fault is not None:
            return _fault_reply(fault)
        handler = self._methods.get(method)
        try:
            if handler is None:
                raise SlackError("unknown_method")
            return 200, {}, handler(params)
        except SlackError as exc:
            return 200, {}, exc.body()

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    # -- state helpers -----------------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{self._epoch + self._seq // 1_000_000}.{self._seq % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> JsonDict:
        for message in self._history.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _bot_message(self, params: JsonDict, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": params.get("text", ""),
            "ts": ts,
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    # -- methods -----------------------------------------------------------------------------------

    def _auth_test(self, params: JsonDict) -> JsonDict:
        body = template("auth_test_bot_ok")
        body.update(user_id=self.bot_user_id, bot_id=self.bot_id, team_id=self.team_id, team=self.team)
        body["url"] = "https://opsbot-test.slack.com/"
        return body

    def _post_message(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            raise SlackError("no_text")
        message = self._bot_message(params, self._next_ts())
        self._history[channel].append(message)
        body = template("chat_postMessage_ok")
        body.update(channel=channel, ts=message["ts"], message=copy.deepcopy(message))
        return body

    def _update(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        message = self._find(channel, _require(params, "ts", "message_not_found"))
        if message.get("bot_id") != self.bot_id:
            raise SlackError("cant_update_message")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        body = template("chat_update_ok")
        body.update(channel=channel, ts=message["ts"], text=message["text"], message=copy.deepcopy(message))
        return body

    def _post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        user = _require(params, "user", "user_not_found")
        if channel in self._members and user not in self._members[channel]:
            raise SlackError("user_not_in_channel")
        message = {"channel": channel, **self._bot_message(params, self._next_ts())}
        self._ephemeral[user].append(message)
        body = template("chat_postEphemeral_ok")
        body["message_ts"] = message["ts"]
        return body

    def _reactions_add(self, params: JsonDict) -> JsonDict:
        name = _require(params, "name", "invalid_name")
        message = self._find(_require(params, "channel", "channel_not_found"), params.get("timestamp", ""))
        reactions: list[JsonDict] = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise SlackError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return template("reactions_add_ok")

    def _reactions_get(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        message = self._find(channel, params.get("timestamp", ""))
        return {"ok": True, "type": "message", "channel": channel, "message": copy.deepcopy(message)}

    def _replies(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        messages = self.thread(channel, _require(params, "ts", "thread_not_found"))
        if not messages:
            raise SlackError("thread_not_found")
        if messages[0]["ts"] == params["ts"] and len(messages) > 1:
            messages[0].update(thread_ts=params["ts"], reply_count=len(messages) - 1)
        return _page("conversations_replies_page", messages=messages)

    def _history_page(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        top = [m for m in self.messages(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]
        return _page("conversations_history_page", messages=top[::-1], pin_count=0)

    def _conversation_members(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        return {
            "ok": True,
            "members": list(self._members.get(channel, [])),
            "response_metadata": {"next_cursor": ""},
        }

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = _require(params, "user", "user_not_found")
        profile = {"real_name": f"User {user}", "display_name": user.lower()}
        info: JsonDict = {
            "id": user,
            "team_id": self.team_id,
            "name": user.lower(),
            "deleted": False,
            "real_name": profile["real_name"],
            "is_admin": False,
            "is_owner": False,
            "is_bot": user == self.bot_user_id,
            "profile": profile,
        }
        return {"ok": True, "user": {**info, **self._users.get(user, {})}}

    def _usergroup_users(self, params: JsonDict) -> JsonDict:
        group = _require(params, "usergroup", "no_such_subteam")
        if group not in self._groups:
            raise SlackError("no_such_subteam")
        return {"ok": True, "users": list(self._groups[group])}

    def _usergroups_list(self, params: JsonDict) -> JsonDict:
        groups = [
            {
                "id": gid,
                "team_id": self.team_id,
                "handle": self._handles[gid],
                "name": self._handles[gid].title(),
                "user_count": len(users),
                "is_usergroup": True,
            }
            for gid, users in self._groups.items()
        ]
        return {"ok": True, "usergroups": groups}

    def _conversation_info(self, params: JsonDict) -> JsonDict:
        channel = _require(params, "channel", "channel_not_found")
        name = self._channel_names.get(channel, channel.lower())
        return {"ok": True, "channel": {"id": channel, "name": name, "is_channel": True, "is_member": True}}

    def _views_open(self, params: JsonDict) -> JsonDict:
        if not params.get("trigger_id") or not isinstance(params.get("view"), dict):
            raise SlackError("invalid_arguments")
        self._seq += 1
        view_id = f"V{self._seq:08d}"
        self.views[view_id] = {"trigger_id": params["trigger_id"], **params["view"]}
        return self._view_reply(view_id)

    def _views_update(self, params: JsonDict) -> JsonDict:
        view_id = params.get("view_id") or next(
            (vid for vid, v in self.views.items() if v.get("external_id") == params.get("external_id")), None
        )
        if view_id not in self.views or not isinstance(params.get("view"), dict):
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != self._view_hash(view_id):
            raise SlackError("hash_conflict")
        self._seq += 1
        self.views[view_id] = {**self.views[view_id], **params["view"], "version": self._seq}
        return self._view_reply(view_id)

    def _view_hash(self, view_id: str) -> str:
        return f"{self._epoch}.{view_id}.{self.views[view_id].get('version', 0)}"

    def _view_reply(self, view_id: str) -> JsonDict:
        body = template("views_open_ok")
        view: JsonDict = body["view"]
        for key in ("blocks", "callback_id", "private_metadata", "submit", "title", "external_id"):
            view.pop(key, None)
        stored = {k: v for k, v in self.views[view_id].items() if k not in ("trigger_id", "version")}
        view.update(stored, id=view_id, root_view_id=view_id, hash=self._view_hash(view_id))
        view.update(team_id=self.team_id, bot_id=self.bot_id)
        return body


def _require(params: JsonDict, key: str, error: str) -> str:
    value = params.get(key)
    if not value or not isinstance(value, str):
        raise SlackError(error)
    return value


def _page(name: str, **fields: Any) -> JsonDict:
    body = template(name)
    body.update(fields, has_more=False, response_metadata={"next_cursor": ""})
    return body


def _fault_reply(fault: _Fault) -> tuple[int, dict[str, str], JsonDict]:
    if fault.status == 429:
        recorded = template("ratelimited_429")
        return 429, {"Retry-After": str(fault.retry_after)}, recorded["body"]
    if fault.error is not None:
        return fault.status, {}, SlackError(fault.error).body()
    return fault.status, {}, {"ok": False, "error": "fatal_error"}


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def _decode_params(request: web.Request) -> JsonDict:
    params: JsonDict = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in _JSON_PARAMS:
        if isinstance(params.get(key), str) and params[key][:1] in "[{":
            params[key] = json.loads(params[key])
    return params
