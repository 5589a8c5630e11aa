"""A loopback fake Slack Web API that answers in Slack's documented shapes (our values) and records every call."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Self

from aiohttp import web

from bot.core.jsonvalue import Json, JsonObject, number
from bot.sandbox.fakes import slack_payloads as answers
from bot.sandbox.fakes.slack_calls import Call, CallLog
from bot.sandbox.fakes.slack_faults import RESET, SlackFaults, fault_reply
from bot.sandbox.fakes.slack_hooks import SlackHooks
from bot.sandbox.fakes.slack_methods import SlackMethods, add_reaction
from bot.sandbox.fakes.slack_payloads import SlackError

__all__ = ["Call", "FakeSlackApi", "SlackError"]

_JSON_PARAMS = ("blocks", "attachments", "view", "metadata")


class FakeSlackApi(SlackMethods, SlackHooks, SlackFaults, CallLog):
    """The fake server; use as ``async with FakeSlackApi(token) as slack:`` and pass ``slack.url``."""

    check_blocks = False  # on (per instance or class): blocks and views slack_sdk refuses are refused, as Slack does

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
        self.views: dict[str, JsonObject] = {}
        self.now: Callable[[], float] | None = None
        self._epoch = int(time.time()) if epoch is None else epoch
        self._seq = 0
        self._last_ts = 0
        self._history: defaultdict[str, list[JsonObject]] = defaultdict(list)
        self._ephemeral: defaultdict[str, list[JsonObject]] = defaultdict(list)
        self._members: dict[str, list[str]] = {}
        self._groups: dict[str, list[str]] = {}
        self._handles: dict[str, str] = {}
        self._channel_names: dict[str, str] = {}
        self._users: dict[str, JsonObject] = {}
        self._outside: dict[str, str] = {}  # channel → the error Slack answers there
        self._hook_uses: defaultdict[str, int] = defaultdict(int)
        self._init_faults()
        self._latency: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._listeners: list[Callable[[Call], None]] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._methods: dict[str, Callable[[JsonObject], JsonObject]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.get": self._reactions_get,
            "conversations.replies": self._replies,
            "conversations.history": self._history_page,
            "conversations.members": self._conversation_members,
            "users.info": self._users_info,
            "users.list": self._users_list,
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
        ts = self._next_ts()
        message: JsonObject = {"type": "message", "user": user, "text": text, "ts": ts, "team": self.team_id}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._history[channel].append(message)
        return ts

    def add_ephemeral(self, channel: str, user: str, text: str, *, author: str | None = None) -> str:
        """Seed a message only ``user`` sees (written by ``author``, the bot by default); returns its ts."""
        ts = self._next_ts()
        message: JsonObject = {"channel": channel, **self._bot_message({"text": text}, ts)}
        if author is not None:
            message.pop("bot_id")
            message["user"] = author
        self._ephemeral[user].append(message)
        return ts

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> None:
        """Record ``user``'s reaction on a stored message (what Slack does before sending ``reaction_added``)."""
        add_reaction(self._find(channel, ts), name, user)

    def set_outside(self, channel: str, error: str = "channel_not_found") -> None:
        """The bot is not in ``channel``: chat.postMessage, chat.postEphemeral and chat.update there answer
        ``error`` — ``channel_not_found`` for a private channel or a DM between people, ``not_in_channel`` for a
        public channel it has not joined (or was removed from); its response_urls still work."""
        self._outside[channel] = error

    def set_members(self, channel: str, users: list[str]) -> None:
        self._members[channel] = list(users)

    def set_usergroup(self, usergroup: str, users: list[str], *, handle: str | None = None) -> None:
        self._groups[usergroup] = list(users)
        self._handles[usergroup] = handle or usergroup.lower()

    def set_channel_name(self, channel: str, name: str) -> None:
        self._channel_names[channel] = name

    def set_user(self, user: str, **fields: Json) -> None:
        """Override fields of ``user``'s object in ``users.info`` and ``users.list`` (e.g. ``is_admin=True``; a
        ``profile`` is merged); ``users.list`` lists everyone set here."""
        self._users[user] = {**self._users.get(user, {}), **fields}

    def add_person(
        self, user: str, name: str, *, display_name: str = "", real_name: str = "", deleted: bool = False
    ) -> None:
        """A person of the workspace: ``name`` is the handle, ``display_name`` what Slack shows (empty: the real
        name)."""
        profile = answers.profile(real_name=real_name or name.title(), display_name=display_name)
        self.set_user(user, name=name, real_name=real_name or name.title(), deleted=deleted, profile=profile)

    def set_latency(self, method: str, seconds: float) -> None:
        self._latency[method] = seconds

    def snapshot(self) -> JsonObject:
        """The conversations as JSON (messages with their threads, ephemerals), for `restore` in a later process."""
        return {
            "messages": {channel: [dict(m) for m in kept] for channel, kept in self._history.items()},
            "ephemerals": {user: [dict(m) for m in kept] for user, kept in self._ephemeral.items()},
            "seq": self._seq,
            "last_ts": self._last_ts,
        }

    def restore(self, saved: JsonObject) -> None:
        """Take back a `snapshot`: its messages come first, and each ts handed out from now on is newer."""
        for key, into in (("messages", self._history), ("ephemerals", self._ephemeral)):
            kept = saved.get(key)
            for where, listed in kept.items() if isinstance(kept, dict) else ():
                shown = [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
                into[where][:0] = shown
        self._seq = max(self._seq, number(saved.get("seq")) or 0)
        self._last_ts = max(self._last_ts, number(saved.get("last_ts")) or 0)

    # -- HTTP --------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        received = time.time()
        method = request.match_info["method"]
        params = await _decode_params(request)
        token = _bearer(request) or _param_token(params)
        if method in self._latency:
            await asyncio.sleep(self._latency[method])  # sleep-ok: latency injection
        status, headers, body = self._answer(method, params, token)
        if status == 200 and body.get("ok") is True:
            ghost = self._take_ghost(method)
            if ghost is not None:  # done, but the answer is lost
                status, headers, body = fault_reply(ghost)
            elif (hold := self._take_hold(method)) is not None:
                hold.reached.set()
                await hold.release.wait()
        await self._record(Call(method=method, params=params, time=received, status=status, response=body))
        if status == RESET:
            assert request.transport is not None
            request.transport.close()
        return web.json_response(body, status=status or 500, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        received, path = time.time(), request.match_info["path"]
        params = await _decode_params(request)
        status, headers, text = self._hook_answer(path, params)
        params["path"] = path
        answer: JsonObject = {"ok": status == 200} if status == 200 else {"ok": False, "error": text}
        await self._record(Call(method="response_url", params=params, time=received, status=status, response=answer))
        if status == RESET:
            assert request.transport is not None
            request.transport.close()
        return web.Response(text=text, status=status or 500, headers=headers)

    def _answer(self, method: str, params: JsonObject, token: str | None) -> tuple[int, dict[str, str], JsonObject]:
        app_level = method == "apps.connections.open" and token is not None and token in self.app_tokens
        if token != self.token and not app_level:
            return 200, {}, SlackError("invalid_auth").body()
        fault = self._take_fault(method)
        if fault is not None:
            return fault_reply(fault)
        handler = self._methods.get(method)
        try:
            if handler is None:
                raise SlackError("unknown_method")
            return 200, {}, handler(params)
        except SlackError as exc:
            return 200, {}, exc.body()


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _param_token(params: JsonObject) -> str | None:
    """The token sent among the params (taken out of them, so no recorded call holds it), if it is a string."""
    token = params.pop("token", None)
    return token if isinstance(token, str) else None


async def _decode_params(request: web.Request) -> JsonObject:
    """The call's arguments: the query string, then the JSON body or the form (whose JSON-valued fields decoded)."""
    params: JsonObject = dict(request.query)
    if request.content_type == "application/json":
        body: Json = await request.json()
        params.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in _JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            params[key] = json.loads(value)
    return params
